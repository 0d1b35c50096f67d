-- Cabin
--
-- SPDX-License-Identifier: MIT
--
-- Picks the target of every seat's stream: the best device present in the
-- seat's home zone, as module-cabin ranks them. An explicit target
-- (target.object in the node or the default metadata) chosen by
-- linking/find-defined-target is kept only when the seat may play to it.
-- A seat stream never falls through to the stock global-default choice: with
-- no device present it waits, unlinked, until one appears. Share loopbacks
-- (docs/sharing.md) are routed the same way. The per-zone role policy
-- (docs/announcements.md) decides when a stream may be linked at all.

local lutils = require ("linking-utils")
local log = Log.open_topic ("s-cabin-linking")

SimpleEventHook {
  name = "cabin/linking/find-seat-target",
  after = "linking/find-defined-target",
  before = {
    "linking/find-filter-target",
    "linking/find-media-role-target",
    "linking/find-default-target",
    "linking/find-best-target",
    "linking/prepare-link",
  },
  interests = {
    EventInterest {
      Constraint { "event.type", "=", "select-target" },
    },
  },
  execute = function (event)
    local _, om, si, si_props, si_flags, target =
        lutils:unwrap_select_target_event (event)
    local cabin = Plugin.find ("cabin")
    if not cabin then
      return
    end

    local stream_id = tonumber (si_props ["node.id"])
    local identity = cabin:call ("get-identity", stream_id)
    if identity == nil then
      -- module-cabin has not seen this node yet; it asks for a rescan once it has
      log:debug (si, "stream " .. stream_id .. " not known yet, waiting")
      event:stop_processing ()
      return
    end
    if identity == "session-manager" and si_props ["cabin.share.id"] == nil
        and si_props ["cabin.probe.stream"] == nil then
      -- the session manager's other streams carry their own targets
      return
    end
    -- A share loopback (module-cabin's own, so its cabin.* properties are
    -- trusted) is placed like a seat stream: its capture side on the shared
    -- stream, its playback side on the receiving zone's best device. A level
    -- probe goes on the stream it listens to.
    -- a client without any seat gets "" and, below, no target at all
    local seat = cabin:call ("get-seat", stream_id)

    -- The zone's role policy may hold the stream back: a new announcement
    -- waits until what plays in its zones is ducked, a corked stream until
    -- its cork ends. module-cabin asks for a rescan when that changes.
    if not cabin:call ("may-play", stream_id) then
      local link = si_flags.peer_id and lutils.lookupLink (si.id, si_flags.peer_id)
      if link then
        link:remove ()
      end
      log:info (si, string.format ("seat %s: stream %d held by the role policy",
          seat, stream_id))
      si_flags.peer_id = nil
      event:set_data ("target", nil)
      event:stop_processing ()
      return
    end

    if target then
      local target_id = tonumber (target.properties ["node.id"])
      if cabin:call ("may-target", stream_id, target_id) then
        return
      end
      log:warning (si, string.format (
          "seat %s may not play to %s (%s); ignoring the explicit target",
          seat, tostring (target.properties ["node.name"]), tostring (target_id)))
      si_flags.has_defined_target = false
      si_flags.has_node_defined_target = false
      target = nil
    end

    local device_id = cabin:call ("select-target", stream_id)
    if device_id ~= 0 then
      target = om:lookup {
        type = "SiLinkable",
        Constraint { "node.id", "=", tostring (device_id) },
      }
    end

    if target then
      log:info (si, string.format ("seat %s: stream %d -> %s (%d)", seat,
          stream_id, tostring (target.properties ["node.name"]), device_id))
      event:set_data ("target", target)
    else
      -- No device for this seat now. Unlink the stream ourselves and stop
      -- here, so that no later stock hook puts a global default in its place;
      -- it waits, without an error to the client, until a device appears.
      local link = si_flags.peer_id and lutils.lookupLink (si.id, si_flags.peer_id)
      if link then
        link:remove ()
        log:info (si, string.format ("seat %s: no device for stream %d, unlinked",
            seat, stream_id))
      else
        log:info (si, string.format ("seat %s: no device present for stream %d",
            seat, stream_id))
      end
      si_flags.peer_id = nil
      event:set_data ("target", nil)
      event:stop_processing ()
    end
  end
}:register ()
