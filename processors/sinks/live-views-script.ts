/**
 * The Redis script that applies one revision of a ticket to the live views. It runs atomically, so the revision
 * check and the counter and queue moves derived from the before/after values can never be observed half-done
 * or interleaved with another revision of the same ticket. A revision not newer than the stored one changes
 * nothing, so replays and late arrivals are harmless.
 *
 * KEYS: 1 ticket hash, 2 status counts, 3 intent counts.
 * ARGV: 1 revision, 2 ticket id, 3 queue key prefix, then (field, value) pairs; an empty value stands for null.
 */
export const APPLY_LIVE_VIEW_SCRIPT = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision'))
if stored and stored >= tonumber(ARGV[1]) then return 0 end
local before = redis.call('HMGET', KEYS[1], 'status', 'queue', 'intent')
redis.call('HSET', KEYS[1], 'revision', ARGV[1], unpack(ARGV, 4))
local after = redis.call('HMGET', KEYS[1], 'status', 'queue', 'intent', 'slaDueAt')
local function present(v) return v and v ~= '' end
local function move(counts, old, new)
  if old == new then return end
  if present(old) then redis.call('HINCRBY', counts, old, -1) end
  if present(new) then redis.call('HINCRBY', counts, new, 1) end
end
move(KEYS[2], before[1], after[1])
move(KEYS[3], before[3], after[3])
local member = ARGV[2]
if present(before[2]) and before[2] ~= after[2] then redis.call('ZREM', ARGV[3] .. before[2], member) end
if present(after[2]) then
  if after[1] == 'resolved' then
    redis.call('ZREM', ARGV[3] .. after[2], member)
  else
    local score = '+inf'
    if present(after[4]) then score = after[4] end
    redis.call('ZADD', ARGV[3] .. after[2], score, member)
  end
end
return 1
`;
