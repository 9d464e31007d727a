/**
 * The Redis script that applies one event to the live views. It runs atomically, so the dedupe marker, the
 * field-by-field order check and the counter and queue moves derived from the before/after values can never
 * be observed half-done or interleaved with another event of the same ticket.
 *
 * KEYS: 1 applied marker, 2 ticket hash, 3 status counts, 4 intent counts.
 * ARGV: 1 marker TTL (s), 2 queue key prefix, 3 ticket id, 4 occurredAt, then (field, value, order) triples;
 * an empty value stands for null.
 *
 * The marker makes a replay a no-op; the order check (`<field>@` holds the order of the last writer) also makes
 * one whose marker expired harmless, since rewriting a field with the value it has moves no counter.
 */
export const APPLY_LIVE_VIEW_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local ticket = KEYS[2]
local before = redis.call('HMGET', ticket, 'status', 'queue', 'intent')
for i = 5, #ARGV, 3 do
  local field, value, order = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local written = tonumber(redis.call('HGET', ticket, field .. '@'))
  if written == nil or order >= written then
    redis.call('HSET', ticket, field, value, field .. '@', ARGV[i + 2])
  end
end
local updated = tonumber(redis.call('HGET', ticket, 'updatedAt'))
if updated == nil or tonumber(ARGV[4]) > updated then redis.call('HSET', ticket, 'updatedAt', ARGV[4]) end
local after = redis.call('HMGET', ticket, 'status', 'queue', 'intent', 'slaDueAt')

local function present(v) return v and v ~= '' end
local function move(counts, old, new)
  if old == new then return end
  if present(old) then redis.call('HINCRBY', counts, old, -1) end
  if present(new) then redis.call('HINCRBY', counts, new, 1) end
end
move(KEYS[3], before[1], after[1])
move(KEYS[4], before[3], after[3])

local member = ARGV[3]
if present(before[2]) and before[2] ~= after[2] then redis.call('ZREM', ARGV[2] .. before[2], member) end
if present(after[2]) then
  if after[1] == 'resolved' then
    redis.call('ZREM', ARGV[2] .. after[2], member)
  else
    local score = '+inf'
    if present(after[4]) then score = after[4] end
    redis.call('ZADD', ARGV[2] .. after[2], score, member)
  end
end
return 1
`;
