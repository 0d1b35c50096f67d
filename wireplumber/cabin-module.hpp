/* SPDX-License-Identifier: MIT */
/*
 * The C++ core of module-cabin: keeps the SeatZoneModel in step with the
 * PipeWire graph and publishes it in the `cabin` metadata. The GObject shim
 * in module-cabin.cpp only forwards to it.
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pipewire/impl-module.h>
#include <pipewire/stream.h>
#include <wp/wp.h>

#include "access-policy.hpp"
#include "announcement-book.hpp"
#include "bluetooth-book.hpp"
#include "login-seats.hpp"
#include "role-policy.hpp"
#include "seat-inbox.hpp"
#include "seat-zone-model.hpp"
#include "share-book.hpp"
#include "volume-memory.hpp"
#include "zone-arbiter.hpp"

namespace cabin {

class CabinModule
{
public:
	CabinModule(WpCore *core, WpPlugin *plugin, CabinConfig config, RolePolicyConfig roles);
	~CabinModule();
	CabinModule(const CabinModule &) = delete;
	CabinModule &operator=(const CabinModule &) = delete;

	/* Starts the metadata and object managers; finishes \a transition once all are ready. */
	void enable(WpTransition *transition);
	void disable();

	SeatZoneModel &model() { return model_; }

	/* Publishes changes (coalesced on idle) and asks the linking policy to re-run. */
	void commit();

	/* The whole state, with the shares, as published in `cabin.state`. */
	std::string stateJson() const { return model_.stateJson({}, stateExtras()); }

	/*
	 * Whether the role policy lets a stream be linked now: a stream that
	 * turns others down waits until they are down, a corked one until its
	 * cork ends. Decides at once for a stream it has not seen yet.
	 */
	bool mayPlay(std::uint32_t streamId);
	/* The node a stream should be linked to: its zone's best device, or an announcement's
	 * fan-out. */
	std::optional<std::uint32_t> selectTarget(std::uint32_t streamId) const;

	/* Notes that the policy asked about a node the model does not know yet. */
	void noteUnknownNode(guint32 id) { askedWhileUnknown_.insert(id); }

private:
	static void onManagerInstalled(WpObjectManager *om, gpointer self);
	static void onMetadataActivated(GObject *object, GAsyncResult *res, gpointer self);
	static void onClientAdded(WpObjectManager *om, WpClient *client, gpointer self);
	static void onClientRemoved(WpObjectManager *om, WpClient *client, gpointer self);
	static void onNodeAdded(WpObjectManager *om, WpNode *node, gpointer self);
	static void onNodeRemoved(WpObjectManager *om, WpNode *node, gpointer self);
	static void onGlobalAdded(WpObjectManager *om, WpGlobalProxy *global, gpointer self);
	static void onGlobalRemoved(WpObjectManager *om, WpGlobalProxy *global, gpointer self);
	static void onSeatMetadataChanged(WpMetadata *metadata, guint32 subject, const gchar *key,
					  const gchar *type, const gchar *value, gpointer self);
	static void onSettingChanged(WpSettings *settings, const gchar *name, WpSpaJson *value,
				     gpointer self);
	static void onNodeStateChanged(WpNode *node, WpNodeState old, WpNodeState state,
				       gpointer self);
	static void onNodeParamsChanged(WpPipewireObject *node, const gchar *id, gpointer self);
	static gboolean onArbiterDeadline(gpointer self);
	static void onClockSettingsAdded(WpObjectManager *om, WpMetadata *metadata, gpointer self);
	static void onClockSettingsChanged(WpMetadata *metadata, guint32 subject, const gchar *key,
					   const gchar *type, const gchar *value, gpointer self);
	/* The arbiter's period, from the quantum and rate of PipeWire's clock settings. */
	void readGraphPeriod(WpMetadata *settings);

	void addToArbiter(const NodeState &node, WpNode *proxy);
	void followNode(WpNode *proxy);
	/* Sorts a new node out for announcements; returns true when it is one of theirs. */
	bool addAnnouncementNode(const NodeState &node, WpNode *proxy);
	void noteRunning(std::uint32_t id, bool running);
	void removeAnnouncementNode(std::uint32_t id);
	/* Tells the book whether \a zone's output of an ending announcement carried sound. */
	void reportOutput(const Announcement &announcement, const std::string &zone,
			  std::uint32_t output);
	struct FanOut;
	std::unique_ptr<FanOut> loadFanOut(const Announcement &announcement);
	void checkFanOutReady(std::uint32_t announcement, bool givingUp = false);
	static void onFanOutDestroyed(void *data);
	static gboolean onFanOutGiveUp(gpointer data);
	/* Runs the arbiter: sends gains, re-links what it released or corked, arms its timer. */
	void arbitrate();
	void sendGain(const GainCommand &command);
	/* Emergency floors: a quiet or muted device is raised while an emergency plays there. */
	void prepareFloors(const std::map<std::string, ZoneArbiter::FloorRequest> &floors);
	void applyFloors(const std::map<std::string, ZoneArbiter::FloorRequest> &floors);
	void setNodeVolume(std::uint32_t node, bool mute, const std::vector<float> &volumes);
	/* A raised device reported its new volume: the emergency may start once it is heard. */
	void confirmFloor(const NodeState &device, WpNode *proxy);
	/* Level probes: whether a running stream that ducks others still makes sound. */
	struct LevelProbe;
	void syncLevelProbes();
	std::unique_ptr<LevelProbe> createLevelProbe(const NodeState &stream);
	struct pw_core *levelProbeCore();
	static gboolean onProbeTimer(gpointer self);
	static void onProbeProcess(void *data);
	void readArbiterTiming();
	void watchLogin();
	static gboolean onLoginChanged(gint fd, GIOCondition condition, gpointer self);
	static gboolean onDevicesChanged(gint fd, GIOCondition condition, gpointer self);
	StateExtras stateExtras() const;
	void admitSessionManager(WpClient *client);
	void handleRequests();
	/* Loads the remembered volumes from WirePlumber's state. */
	void loadVolumes();
	/*
	 * Follows a node's own volume: the first time it is seen, a new stream
	 * or a device gets the volume its seat (or it) had last; after that, a
	 * change is remembered. Streams already there when module-cabin starts
	 * keep theirs.
	 */
	void followVolume(WpNode *proxy, const NodeState &node);
	/* Loads the Bluetooth bindings from WirePlumber's state. */
	void loadBluetoothBindings();
	/* Places Bluetooth devices after a binding changed, and saves the bindings. */
	void syncBluetooth();
	void syncShareLoopbacks();
	struct ShareLoopback;
	std::unique_ptr<ShareLoopback> loadShareLoopback(const Share &share);
	static void onShareLoopbackDestroyed(void *data);
	void readDefaultSeat();
	void createSeatMetadata();
	/* Sets (or, with \a value null, removes) a key in \a seat's metadata as module-cabin. */
	void setSeatKey(const std::string &seat, guint32 subject, const char *key,
			const char *value);
	void admit(WpClient *client, const ClientState &state);
	void sendPermissionUpdates();
	void publishSeatStates();
	void stepReady();
	static gboolean onIdlePublish(gpointer self);
	void publish();
	void publishCabinState();
	void scheduleRescan();
	void logWarnings();

	WpCore *core_;
	WpPlugin *plugin_;
	SeatZoneModel model_;
	AccessPolicy access_{model_};
	ShareBook shares_{model_};
	BluetoothBook bluetooth_{model_};
	/* Where the bindings are kept across restarts: $XDG_STATE_HOME/wireplumber. */
	WpState *bluetoothState_ = nullptr;
	/* The book's bindings generation last placed and saved. */
	std::uint64_t bluetoothBindingsApplied_ = 0;
	RolePolicy roles_;
	/* Volumes and mutes, per seat (docs/module-cabin.md#volume-memory), and where they are
	 * kept. */
	VolumeMemory volumes_{model_, roles_};
	WpState *volumeState_ = nullptr;
	/*
	 * Each node's own volume as last seen, so that only a change of it is
	 * remembered, not every Props echo (Cabin's gains, another stream's).
	 * After a restore, echoes still carrying the old volume are ignored
	 * until `restoring` (monotonic us).
	 */
	struct SeenVolume {
		SavedVolume volume;
		std::int64_t restoring = 0;
	};
	std::map<std::uint32_t, SeenVolume> seenVolumes_;
	/* Nodes whose volume is restored once first seen (their Props may come later). */
	std::set<std::uint32_t> restoreOnFirstVolume_;
	ZoneArbiter arbiter_{roles_};
	AnnouncementBook announcements_{model_, roles_};
	/*
	 * The fan-out of each live announcement, by announcement id: a
	 * combine-stream module loaded in this process, a sink the announcer's
	 * stream is linked to and one output per zone, on that zone's device.
	 */
	struct FanOut {
		CabinModule *owner = nullptr;
		std::uint32_t announcement = 0;
		struct pw_impl_module *module = nullptr;
		struct spa_hook listener = {};
		std::optional<std::uint32_t> sink;
		/* Zone -> output node. */
		std::map<std::string, std::uint32_t> outputs;
		std::set<std::uint32_t> runningOutputs;
		GSource *giveUp = nullptr;
		~FanOut();
	};
	std::map<std::uint32_t, std::unique_ptr<FanOut>> fanOuts_;
	/* Per zone, a device raised to an emergency's floor, and the user's settings to restore. */
	struct FloorOverride {
		std::uint32_t device = 0;
		bool mute = false;
		std::vector<float> volumes;
		float floor = 0.0f;
		/* The raise was sent, and the device reported it. */
		bool applied = false;
		bool confirmed = false;
	};
	std::map<std::string, FloorOverride> floorOverrides_;
	/*
	 * A capture stream of ours on each running stream of a class that
	 * ducks others, by that stream's id: it notes, on the data thread,
	 * when the stream last made sound. A stream silent for a while stops
	 * ducking its zone.
	 */
	struct LevelProbe {
		struct pw_stream *pwStream = nullptr;
		struct spa_hook listener = {};
		/* Monotonic microseconds of the last buffer above the threshold. */
		std::atomic<std::int64_t> lastSound{0};
		/* Whether any buffer was above the threshold. */
		std::atomic<bool> heard{false};
		bool silent = false;
		~LevelProbe();
	};
	std::map<std::uint32_t, std::unique_ptr<LevelProbe>> probes_;
	/* A probe on each announcement output, by output id: whether its zone got any sound. */
	std::map<std::uint32_t, std::unique_ptr<LevelProbe>> outputProbes_;
	/* Streams that get a probe once released: seat streams of a class above the lowest. */
	std::set<std::uint32_t> probeCandidates_;
	GSource *probeTimer_ = nullptr;
	struct pw_core *probeCore_ = nullptr;
	/* logind's seats and sessions, asked only when a seat has a `logind-seat`. */
	LoginSeats login_;
	std::vector<GSource *> loginWatches_;
	/* The arbiter's generation last acted on (links follow its holds and corks). */
	std::uint64_t arbiterGeneration_ = 0;
	GSource *arbiterTimer_ = nullptr;
	/* Requests from the seats' metadata, handled on the next publication. */
	SeatInbox inbox_;
	/* Replies, written once the state they lead to is published. */
	std::vector<SeatMessage> replies_;
	/* Set while module-cabin writes a seat's metadata itself: those are no requests. */
	bool writingSeatMetadata_ = false;
	/*
	 * The loopback of each accepted share, by share id: a module loaded in
	 * this process's context. It may also go away by itself, when a seat
	 * destroys its end, so its destruction is followed.
	 */
	struct ShareLoopback {
		CabinModule *owner = nullptr;
		std::uint32_t share = 0;
		struct pw_impl_module *module = nullptr;
		struct spa_hook listener = {};
		~ShareLoopback();
	};
	std::map<std::uint32_t, std::unique_ptr<ShareLoopback>> shareLoopbacks_;
	/* The share book's generation the loopbacks were last brought in line with. */
	std::optional<std::uint64_t> loopbacksGeneration_;
	WpTransition *enabling_ = nullptr;
	int pending_ = 0;
	bool ready_ = false;
	WpImplMetadata *metadata_ = nullptr;
	WpObjectManager *clients_ = nullptr;
	WpObjectManager *nodes_ = nullptr;
	/* Every global, for permissions: factories, metadata, ports, links, ... */
	WpObjectManager *globals_ = nullptr;
	/* Clients whose permissions Cabin sets, by bound id (owned by clients_). */
	std::map<guint32, WpClient *> managedClients_;
	/* Per seat: its metadata object and the state last published there. */
	struct SeatMetadata {
		WpImplMetadata *metadata = nullptr;
		std::string published;
	};
	std::map<std::string, SeatMetadata> seatMetadata_;
	WpSettings *settings_ = nullptr;
	guintptr settingsSubscription_ = 0;
	/* PipeWire's `settings` metadata, where the graph's clock is configured. */
	WpObjectManager *clockSettings_ = nullptr;
	/* Seat and zone per device or stream node as last published (empty: none). */
	std::map<guint32, std::pair<std::string, std::string>> published_;
	std::string publishedState_;
	/* Streams the linking hook deferred because they were not in the model yet. */
	std::set<guint32> askedWhileUnknown_;
	GSource *idlePublish_ = nullptr;
};

} // namespace cabin
