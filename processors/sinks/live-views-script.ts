/**
 * The Redis script that applies one revision of a ticket to the live views. It runs atomically and sees the
 * ticket's stored values before the revision and the new ones after it, so every counter, queue and list move
 * derived from the two is exact, can never be observed half-done, and never interleaves with another revision of
 * the same ticket. A revision not newer than the stored one changes nothing, so replays and late arrivals are
 * harmless.
 *
 * Version 2 of the views added the lists, the priority and queue counters, the queue registry and the queues'
 * oldest tickets. A ticket hash written before (no `v` field) was never entered in those, so its old values are
 * not taken out of them; the version-1 views (status and intent counters, SLA-ordered queues) are moved as they
 * always were. The hash keeps every version-1 field, so readers of either version read it.
 *
 * KEYS: 1 the ticket hash, 2 the ticket's detail, 3 the ticket's list summary.
 * ARGV: 1 revision, 2 ticket id, 3 org, 4 status, 5 queue, 6 slaDueAt, 7 intent, 8 priority, 9 assignee,
 *       10 updatedAt, 11 createdAt, 12 conversationId, 13 subject, 14 list position, 15 detail JSON,
 *       16 '1' if the ticket waits for its first response with a deadline (ticket-views.ts slaOutcome), else '',
 *       17 summary JSON. An empty string stands for null.
 */
export const APPLY_LIVE_VIEW_SCRIPT = `
local key = KEYS[1]
local stored = tonumber(redis.call('HGET', key, 'revision'))
if stored and stored >= tonumber(ARGV[1]) then return 0 end
local before = redis.call('HMGET', key, 'status', 'queue', 'intent', 'priority', 'lm', 'v')
local id, org = ARGV[2], ARGV[3]
local status, queue, due, intent, priority = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local created, position = ARGV[11], ARGV[14]
redis.call('HSET', key, 'revision', ARGV[1], 'status', status, 'queue', queue, 'slaDueAt', due, 'intent', intent,
  'priority', priority, 'assignee', ARGV[9], 'updatedAt', ARGV[10], 'createdAt', created,
  'conversationId', ARGV[12], 'subject', ARGV[13], 'lm', position, 'v', '2')
redis.call('SET', KEYS[2], ARGV[15])
redis.call('SET', KEYS[3], ARGV[17])

local function present(v) return v and v ~= '' end
local v2 = before[6] == '2'
-- What the version-2 views hold of this ticket now: nothing if the hash predates them.
local old = { status = false, queue = false, intent = false, priority = false, position = false }
if v2 then
  old = { status = before[1], queue = before[2], intent = before[3], priority = before[4], position = before[5] }
end

local counts = 'tf:counts:' .. org .. ':'
local function move(hash, was, now)
  if was == now then return end
  if present(was) then redis.call('HINCRBY', hash, was, -1) end
  if present(now) then redis.call('HINCRBY', hash, now, 1) end
end
move(counts .. 'status', before[1], status)
move(counts .. 'intent', before[3], intent)
move(counts .. 'priority', old.priority, priority)
move(counts .. 'queue', old.queue, queue)

-- Queues hold the tickets not resolved, by deadline (none sorts last), and by age for the oldest one; of them,
-- those still waiting for a first response, by deadline, for the breaches.
local byDue, byAge = 'tf:queue:' .. org .. ':', 'tf:oldest:' .. org .. ':'
local unanswered = 'tf:unanswered:' .. org .. ':'
local registry = 'tf:registry:' .. org .. ':queues'
local was = before[2]
if present(was) then
  redis.call('ZREM', unanswered .. was, id)
  if was ~= queue or status == 'resolved' then
    redis.call('ZREM', byDue .. was, id)
    redis.call('ZREM', byAge .. was, id)
    if redis.call('EXISTS', byDue .. was) == 0 then redis.call('SREM', registry, was) end
  end
end
if present(queue) and status ~= 'resolved' then
  local score = '+inf'
  if present(due) then score = due end
  redis.call('ZADD', byDue .. queue, score, id)
  redis.call('ZADD', byAge .. queue, created, id)
  if ARGV[16] == '1' then redis.call('ZADD', unanswered .. queue, score, id) end
  redis.call('SADD', registry, queue)
end

-- Lists: every ticket, and per status, queue, priority and intent, ordered by position (all scores 0).
local lists = 'tf:list:' .. org .. ':'
local function place(list, was, now)
  if present(old.position) and present(was) then redis.call('ZREM', lists .. list .. was, old.position) end
  if present(now) then redis.call('ZADD', lists .. list .. now, 0, position) end
end
place('', 'all', 'all')
place('status:', old.status, status)
place('queue:', old.queue, queue)
place('priority:', old.priority, priority)
place('intent:', old.intent, intent)
return 1
`;

/**
 * The hash fields a list item is made of, for tickets whose summary string predates it (written before the sink
 * kept one): the read script builds their summary from the hash, in the shape of ticket-views.ts ticketSummary.
 */
const HASH_SUMMARY_FIELDS = [
  'conversationId',
  'status',
  'queue',
  'priority',
  'intent',
  'assignee',
  'slaDueAt',
  'subject',
  'updatedAt',
] as const;
const NUMERIC_SUMMARY_FIELDS = new Set<string>(['slaDueAt', 'updatedAt']);

/**
 * One page of a list, read in one call: the tickets after `start` (a range bound: '+' for the head, or '(' and a
 * position) in the list of the most selective filter. When several filters are given, each ticket of that list
 * is checked against the others on its hash, and the scan stops after `budget` tickets even if the page is not
 * full: the page then holds fewer than `limit` tickets, and the next one goes on after the last ticket examined.
 * The page's tickets are their summary strings, read with one MGET and returned as stored, so neither Redis nor
 * the API takes them apart.
 *
 * ARGV: 1 org, 2 limit, 3 start, 4 budget (at least limit + 1), 5 status, 6 queue, 7 priority, 8 intent
 *       ('' for no filter).
 * Returns {position after which the next page starts, or '' at the end; then each ticket's summary JSON}.
 */
export const READ_LIST_PAGE_SCRIPT = `
local org, limit, start, budget = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local lists, tickets = 'tf:list:' .. org .. ':', 'tf:ticket:' .. org .. ':'
local filters = {}
for i, field in ipairs({ 'status', 'queue', 'priority', 'intent' }) do
  local value = ARGV[4 + i]
  if value ~= '' then
    local list = lists .. field .. ':' .. value
    table.insert(filters, { field = field, value = value, list = list, size = redis.call('ZCARD', list) })
  end
end
local source = lists .. 'all'
if #filters > 0 then
  table.sort(filters, function(a, b) return a.size < b.size end)
  source = table.remove(filters, 1).list
end
local fields = {}
for i, f in ipairs(filters) do fields[i] = f.field end
local function matches(id)
  if #filters == 0 then return true end
  local values = redis.call('HMGET', tickets .. id, unpack(fields))
  for i, f in ipairs(filters) do
    if values[i] ~= f.value then return false end
  end
  return true
end

local page, next = {}, ''
local cursor, examined = start, 0
local chunk = limit + 1
if #filters > 0 then chunk = math.max(chunk, 100) end
local done = false
while not done do
  local batch = redis.call('ZRANGE', source, cursor, '-', 'BYLEX', 'REV', 'LIMIT', 0, chunk)
  for _, position in ipairs(batch) do
    examined = examined + 1
    if matches(string.sub(position, 18)) then
      if #page == limit then
        next = page[#page]
        done = true
        break
      end
      table.insert(page, position)
    end
    if examined >= budget then
      next = position
      done = true
      break
    end
  end
  if #batch < chunk then done = true end
  if not done then cursor = '(' .. batch[#batch] end
end

local out = { next }
if #page == 0 then return out end
local ids, summaryKeys = {}, {}
for i, position in ipairs(page) do
  ids[i] = string.sub(position, 18)
  summaryKeys[i] = 'tf:summary:' .. org .. ':' .. ids[i]
end
local summaries = redis.call('MGET', unpack(summaryKeys))
local numeric = { ${[...NUMERIC_SUMMARY_FIELDS].map((f) => `${f} = true`).join(', ')} }
local names = { '${HASH_SUMMARY_FIELDS.join("', '")}' }
for i, id in ipairs(ids) do
  local summary = summaries[i]
  if not summary then
    -- Written as JSON here rather than by cjson, whose numbers keep only 14 digits.
    local values = redis.call('HMGET', tickets .. id, unpack(names))
    local parts = { '"ticketId":' .. cjson.encode(id) }
    for j, name in ipairs(names) do
      local v = values[j]
      local json = 'null'
      if name == 'conversationId' then
        json = cjson.encode(v or '')
      elseif v and v ~= '' then
        if numeric[name] then json = v else json = cjson.encode(v) end
      end
      table.insert(parts, '"' .. name .. '":' .. json)
    end
    -- A list entry whose hash is gone cannot happen while the script keeps both; skip rather than show nulls.
    if values[2] then summary = '{' .. table.concat(parts, ',') .. '}' end
  end
  if summary then table.insert(out, summary) end
end
return out
`;

/**
 * Every queue of an org with tickets waiting, from its registry, in one call.
 * ARGV: 1 org, 2 now (ms). Returns per queue, by name: name, depth, tickets waiting for their first response past
 * their deadline at `now`, and the creation time of the oldest ticket ('' when the queue holds only tickets from
 * before version 2, which are not counted as waiting either).
 */
export const READ_QUEUES_SCRIPT = `
local org, now = ARGV[1], ARGV[2]
local names = redis.call('SMEMBERS', 'tf:registry:' .. org .. ':queues')
table.sort(names)
local out = {}
for _, name in ipairs(names) do
  local byDue = 'tf:queue:' .. org .. ':' .. name
  local depth = redis.call('ZCARD', byDue)
  if depth > 0 then
    local oldest = redis.call('ZRANGE', 'tf:oldest:' .. org .. ':' .. name, 0, 0, 'WITHSCORES')
    table.insert(out, name)
    table.insert(out, depth)
    table.insert(out, redis.call('ZCOUNT', 'tf:unanswered:' .. org .. ':' .. name, '-inf', now))
    table.insert(out, oldest[2] or '')
  end
end
return out
`;
