/* SPDX-License-Identifier: MIT */
/*
 * ZoneNode: one zone of a shared ALSA PCM as a SPA node with a single
 * port: an input port for `cabin.alsa.zone-sink`, an output port for
 * `cabin.alsa.zone-source`. The port carries F32 planar audio with the
 * zone's own channel positions; `cabin.alsa.channels` says which device
 * channels those are. The adapter factory wraps the node, so PipeWire
 * shows an ordinary Audio/Sink or Audio/Source with volume and DSP ports.
 *
 * Properties (from the adapter's args):
 *   api.alsa.path          ALSA PCM, e.g. "hw:Amp" or "sedan_amp" (required)
 *   cabin.alsa.channels    device channels of the zone, e.g. [ 4 5 ] (required)
 *   audio.position         the zone's positions, one per channel (required)
 *   cabin.zone             the zone's name, published on the node
 *   audio.rate             device rate (48000); audio.format device format
 *   api.alsa.headroom      frames queued beyond one quantum (0)
 *   api.alsa.buffer-size   ring buffer request in frames (16384)
 *   cabin.alsa.device-channels  channels to open the PCM with (0: all)
 *   node.group, priority.driver   shared by all zones of one PCM
 *
 * \context Every method but process() runs on the main thread; process()
 * runs on the data thread.
 */
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <spa/node/io.h>
#include <spa/node/node.h>
#include <spa/param/audio/raw.h>
#include <spa/param/latency-utils.h>
#include <spa/support/plugin.h>
#include <spa/utils/hook.h>

#include "zone-device.hpp"

namespace cabin::zone {

constexpr std::uint32_t kMaxBuffers = 32;

/* The zone's own settings, parsed from the node's properties. */
struct ZoneSettings {
	DeviceSettings device;
	std::string zone;
	std::vector<std::uint32_t> deviceChannels;
	std::vector<std::uint32_t> positions; /* SPA_AUDIO_CHANNEL_* */
	std::string group;
	std::int32_t driverPriority = 2000;
};

/* Parses \a info; on failure returns false with the offending key in \a error. */
bool parseZoneSettings(const spa_dict *info, Direction direction, ZoneSettings *settings,
		       std::string *error);

class ZoneNode
{
public:
	explicit ZoneNode(Direction direction);
	~ZoneNode();
	ZoneNode(const ZoneNode &) = delete;
	ZoneNode &operator=(const ZoneNode &) = delete;

	int init(const spa_dict *info, const spa_support *support, std::uint32_t nSupport);
	spa_node *node() { return &node_; }

	/* spa_node methods; see spa/node/node.h. */
	int addListener(spa_hook *listener, const spa_node_events *events, void *data);
	int setCallbacks(const spa_node_callbacks *callbacks, void *data);
	int sync(int seq);
	int enumParams(int seq, std::uint32_t id, std::uint32_t start, std::uint32_t num,
		       const spa_pod *filter);
	int setIo(std::uint32_t id, void *data, std::size_t size);
	int sendCommand(const spa_command *command);
	int portEnumParams(int seq, spa_direction direction, std::uint32_t portId, std::uint32_t id,
			   std::uint32_t start, std::uint32_t num, const spa_pod *filter);
	int portSetParam(spa_direction direction, std::uint32_t portId, std::uint32_t id,
			 std::uint32_t flags, const spa_pod *param);
	int portUseBuffers(spa_direction direction, std::uint32_t portId, std::uint32_t flags,
			   spa_buffer **buffers, std::uint32_t count);
	int portSetIo(spa_direction direction, std::uint32_t portId, std::uint32_t id, void *data,
		      std::size_t size);
	int portReuseBuffer(std::uint32_t portId, std::uint32_t bufferId);
	/* \context data thread */
	int process();

	/* For the device. \context data thread */
	bool isDriving() const;
	bool isStarted() const { return started_; }
	void setStarted(bool started) { started_ = started; }
	spa_io_clock *clock() const { return clock_; }
	spa_io_position *position() const { return position_; }
	void callReady(int status);
	void callXrun(std::uint64_t triggerUs, std::uint64_t delayUs);
	/* Capture: hands the current period to the graph. */
	void deliver();
	/* \context main thread */
	void updateLatency();
	const std::string &name() const { return settings_.zone; }
	spa_log *log() const { return support_.log; }

private:
	bool checkPort(spa_direction direction, std::uint32_t portId) const;
	spa_direction portDirection() const;
	void emitNodeInfo(bool full);
	void emitPortInfo(bool full);
	int setFormat(const spa_pod *format);
	spa_pod *buildFormat(spa_pod_builder *builder, std::uint32_t id) const;
	spa_latency_info ownLatency() const;

	Direction direction_;
	ZoneSettings settings_;
	DeviceSupport support_;
	std::shared_ptr<ZoneDevice> device_;

	spa_node node_{};
	spa_hook_list hooks_{};
	spa_callbacks callbacks_{};

	spa_node_info info_{};
	std::array<spa_param_info, 4> params_{};
	std::vector<spa_dict_item> infoItems_;
	std::vector<std::string> infoStrings_;
	spa_dict infoDict_{};
	spa_port_info portInfo_{};
	std::array<spa_param_info, 7> portParams_{};

	spa_io_clock *clock_ = nullptr;
	spa_io_position *position_ = nullptr;
	spa_io_buffers *io_ = nullptr;

	bool haveFormat_ = false;
	spa_audio_info_raw format_{};
	std::array<spa_buffer *, kMaxBuffers> buffers_{};
	std::uint32_t bufferCount_ = 0;
	std::uint32_t freeBuffers_ = 0; /* capture: bit per buffer id */
	std::uint64_t deliveredCycle_ = 0;
	bool started_ = false;
	std::array<spa_latency_info, 2> latency_{};
};

} // namespace cabin::zone
