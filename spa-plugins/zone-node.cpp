/* SPDX-License-Identifier: MIT */
#include "zone-node.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spa/node/utils.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/audio/raw-json.h>
#include <spa/param/param.h>
#include <spa/pod/filter.h>
#include <spa/support/log.h>
#include <spa/utils/json.h>
#include <spa/utils/names.h>
#include <spa/utils/string.h>

namespace cabin::zone {

namespace {

enum NodeParam { NodePropInfo, NodeProps, NodeIo, NodeParamCount };
enum PortParam {
	PortEnumFormat,
	PortMeta,
	PortIo,
	PortFormat,
	PortBuffers,
	PortLatency,
	PortParamCount
};

bool parseUnsigned(const char *text, std::uint32_t *value)
{
	if (!text || !*text)
		return false;
	char *end = nullptr;
	unsigned long number = std::strtoul(text, &end, 0);
	if (*end || number > UINT32_MAX)
		return false;
	*value = static_cast<std::uint32_t>(number);
	return true;
}

std::string quoted(const char *text)
{
	return std::string("\"") + (text ? text : "") + "\"";
}

} // namespace

bool parseZoneSettings(const spa_dict *info, Direction direction, ZoneSettings *settings,
		       std::string *error)
{
	auto get = [&](const char *key) { return info ? spa_dict_lookup(info, key) : nullptr; };
	auto bad = [&](const char *key, const std::string &why) {
		*error = std::string(key) + " = " + quoted(get(key)) + ": " + why;
		return false;
	};
	settings->device.direction = direction;

	const char *path = get("api.alsa.path");
	if (!path || !*path)
		return bad("api.alsa.path", "required (the ALSA PCM the zone plays on)");
	settings->device.path = path;

	const char *channels = get("cabin.alsa.channels");
	if (!channels)
		return bad("cabin.alsa.channels", "required (the device channels of the zone)");
	spa_json it;
	if (spa_json_begin_array_relax(&it, channels, strlen(channels)) <= 0)
		return bad("cabin.alsa.channels", "not an array of channel numbers");
	const char *value;
	int length;
	while ((length = spa_json_next(&it, &value)) > 0) {
		int channel = -1;
		if (spa_json_parse_int(value, length, &channel) <= 0)
			return bad("cabin.alsa.channels",
				   "\"" + std::string(value, static_cast<std::size_t>(length)) +
					   "\" is not a channel number");
		if (channel < 0 || channel >= static_cast<int>(kMaxDeviceChannels))
			return bad("cabin.alsa.channels",
				   "channel " + std::to_string(channel) + " is out of range 0.." +
					   std::to_string(kMaxDeviceChannels - 1));
		auto number = static_cast<std::uint32_t>(channel);
		if (std::find(settings->deviceChannels.begin(), settings->deviceChannels.end(),
			      number) != settings->deviceChannels.end())
			return bad("cabin.alsa.channels",
				   "channel " + std::to_string(channel) + " is listed twice");
		settings->deviceChannels.push_back(number);
	}
	if (settings->deviceChannels.empty())
		return bad("cabin.alsa.channels", "not an array of channel numbers");

	const char *position = get("audio.position");
	std::uint32_t positions[SPA_AUDIO_MAX_CHANNELS];
	std::uint32_t count = 0;
	if (!position ||
	    spa_audio_parse_position(position, strlen(position), positions, &count) <= 0)
		return bad("audio.position", "required, e.g. [ FL FR ]");
	for (std::uint32_t i = 0; i < count; i++) {
		if (positions[i] == SPA_AUDIO_CHANNEL_UNKNOWN)
			return bad("audio.position",
				   "position " + std::to_string(i) + " is not a channel name");
		settings->positions.push_back(positions[i]);
	}
	if (settings->positions.size() != settings->deviceChannels.size())
		return bad("audio.position",
			   "has " + std::to_string(settings->positions.size()) +
				   " positions but cabin.alsa.channels = " + quoted(channels) +
				   " has " + std::to_string(settings->deviceChannels.size()));

	if (const char *rate = get("audio.rate");
	    rate && (!parseUnsigned(rate, &settings->device.rate) || settings->device.rate < 8000 ||
		     settings->device.rate > 768000))
		return bad("audio.rate", "not a sample rate in 8000..768000");
	if (const char *format = get("audio.format")) {
		std::string name = format;
		if (name == "FLOAT_LE" || name == "F32")
			name = "F32_LE";
		else if (name == "S32")
			name = "S32_LE";
		else if (name == "S16")
			name = "S16_LE";
		if (name != "S16_LE" && name != "S32_LE" && name != "F32_LE")
			return bad("audio.format", "not one of S16_LE, S32_LE, F32_LE");
		settings->device.format = name;
	}
	if (const char *headroom = get("api.alsa.headroom");
	    headroom && (!parseUnsigned(headroom, &settings->device.headroom) ||
			 settings->device.headroom > kMaxFrames))
		return bad("api.alsa.headroom",
			   "not a frame count in 0.." + std::to_string(kMaxFrames));
	if (const char *buffer = get("api.alsa.buffer-size");
	    buffer && (!parseUnsigned(buffer, &settings->device.bufferFrames) ||
		       settings->device.bufferFrames < 2 * 64))
		return bad("api.alsa.buffer-size", "not a frame count of at least 128");
	if (const char *deviceChannels = get("cabin.alsa.device-channels");
	    deviceChannels && (!parseUnsigned(deviceChannels, &settings->device.channels) ||
			       settings->device.channels > kMaxDeviceChannels))
		return bad("cabin.alsa.device-channels",
			   "not a channel count in 0.." + std::to_string(kMaxDeviceChannels) +
				   " (0: all channels of the PCM)");

	const char *zone = get("cabin.zone");
	const char *nodeName = get("node.name");
	settings->zone = zone ? zone : nodeName ? nodeName : "";
	const char *group = get("node.group");
	settings->group = group ? group
				: std::string("cabin.alsa.") +
					  (direction == Direction::Playback ? "p." : "c.") + path;
	if (const char *priority = get("priority.driver"))
		settings->driverPriority = std::atoi(priority);
	return true;
}

ZoneNode::ZoneNode(Direction direction) : direction_(direction)
{
	spa_hook_list_init(&hooks_);
}

ZoneNode::~ZoneNode()
{
	if (device_)
		device_->detach(this);
}

spa_direction ZoneNode::portDirection() const
{
	return direction_ == Direction::Playback ? SPA_DIRECTION_INPUT : SPA_DIRECTION_OUTPUT;
}

bool ZoneNode::checkPort(spa_direction direction, std::uint32_t portId) const
{
	return direction == portDirection() && portId == 0;
}

int ZoneNode::init(const spa_dict *info, const spa_support *support, std::uint32_t nSupport)
{
	support_.log =
		static_cast<spa_log *>(spa_support_find(support, nSupport, SPA_TYPE_INTERFACE_Log));
	support_.dataLoop = static_cast<spa_loop *>(
		spa_support_find(support, nSupport, SPA_TYPE_INTERFACE_DataLoop));
	support_.dataSystem = static_cast<spa_system *>(
		spa_support_find(support, nSupport, SPA_TYPE_INTERFACE_DataSystem));
	support_.mainLoop = static_cast<spa_loop *>(
		spa_support_find(support, nSupport, SPA_TYPE_INTERFACE_Loop));
	if (!support_.dataLoop || !support_.dataSystem || !support_.mainLoop) {
		spa_log_error(support_.log, "cabin zone: a data loop, data system and main loop "
					    "are needed");
		return -EINVAL;
	}

	std::string error;
	if (!parseZoneSettings(info, direction_, &settings_, &error)) {
		spa_log_error(support_.log, "cabin zone: %s", error.c_str());
		return -EINVAL;
	}
	device_ = ZoneDevice::acquire(settings_.device, support_, &error);
	if (!device_) {
		spa_log_error(support_.log, "cabin zone %s: %s", settings_.zone.c_str(),
			      error.c_str());
		return -EIO;
	}
	for (std::uint32_t channel : settings_.deviceChannels) {
		if (channel >= device_->channels()) {
			spa_log_error(support_.log,
				      "cabin zone %s: cabin.alsa.channels: channel %u does not "
				      "exist, the PCM %s has %u channels",
				      settings_.zone.c_str(), channel,
				      settings_.device.path.c_str(), device_->channels());
			device_.reset();
			return -EINVAL;
		}
	}
	if (!device_->attach(this, &error)) {
		spa_log_error(support_.log, "cabin zone %s: %s", settings_.zone.c_str(),
			      error.c_str());
		device_.reset();
		return -EINVAL;
	}

	const bool playback = direction_ == Direction::Playback;
	auto add = [&](const char *key, std::string value) {
		infoStrings_.push_back(key);
		infoStrings_.push_back(std::move(value));
	};
	add("node.driver", "true");
	add("priority.driver", std::to_string(settings_.driverPriority));
	add("node.group", settings_.group);
	add("clock.name", "cabin.alsa." + settings_.device.path);
	add("media.class", playback ? "Audio/Sink" : "Audio/Source");
	add("api.alsa.path", settings_.device.path);
	add("cabin.alsa.format", device_->formatName());
	if (!settings_.zone.empty())
		add("cabin.zone", settings_.zone);
	for (std::size_t i = 0; i < infoStrings_.size(); i += 2)
		infoItems_.push_back(
			SPA_DICT_ITEM_INIT(infoStrings_[i].c_str(), infoStrings_[i + 1].c_str()));
	infoDict_ = SPA_DICT_INIT(infoItems_.data(), static_cast<std::uint32_t>(infoItems_.size()));

	info_ = SPA_NODE_INFO_INIT();
	info_.max_input_ports = playback ? 1 : 0;
	info_.max_output_ports = playback ? 0 : 1;
	info_.flags = SPA_NODE_FLAG_RT;
	info_.props = &infoDict_;
	params_[NodePropInfo] = SPA_PARAM_INFO(SPA_PARAM_PropInfo, SPA_PARAM_INFO_READ);
	params_[NodeProps] = SPA_PARAM_INFO(SPA_PARAM_Props, SPA_PARAM_INFO_READWRITE);
	params_[NodeIo] = SPA_PARAM_INFO(SPA_PARAM_IO, SPA_PARAM_INFO_READ);
	info_.params = params_.data();
	info_.n_params = NodeParamCount;
	info_.change_mask = SPA_NODE_CHANGE_MASK_FLAGS | SPA_NODE_CHANGE_MASK_PROPS |
			    SPA_NODE_CHANGE_MASK_PARAMS;

	portInfo_ = SPA_PORT_INFO_INIT();
	portInfo_.flags = SPA_PORT_FLAG_PHYSICAL | SPA_PORT_FLAG_TERMINAL |
			  (playback ? 0 : SPA_PORT_FLAG_LIVE);
	portParams_[PortEnumFormat] = SPA_PARAM_INFO(SPA_PARAM_EnumFormat, SPA_PARAM_INFO_READ);
	portParams_[PortMeta] = SPA_PARAM_INFO(SPA_PARAM_Meta, SPA_PARAM_INFO_READ);
	portParams_[PortIo] = SPA_PARAM_INFO(SPA_PARAM_IO, SPA_PARAM_INFO_READ);
	portParams_[PortFormat] = SPA_PARAM_INFO(SPA_PARAM_Format, SPA_PARAM_INFO_WRITE);
	portParams_[PortBuffers] = SPA_PARAM_INFO(SPA_PARAM_Buffers, 0);
	portParams_[PortLatency] = SPA_PARAM_INFO(SPA_PARAM_Latency, SPA_PARAM_INFO_READWRITE);
	portInfo_.params = portParams_.data();
	portInfo_.n_params = PortParamCount;
	portInfo_.change_mask = SPA_PORT_CHANGE_MASK_FLAGS | SPA_PORT_CHANGE_MASK_PARAMS;

	latency_[SPA_DIRECTION_INPUT] = SPA_LATENCY_INFO(SPA_DIRECTION_INPUT);
	latency_[SPA_DIRECTION_OUTPUT] = SPA_LATENCY_INFO(SPA_DIRECTION_OUTPUT);
	latency_[portDirection()] = ownLatency();

	spa_log_info(support_.log, "cabin zone %s: %s channels %s of %s", settings_.zone.c_str(),
		     playback ? "sink on" : "source on",
		     spa_dict_lookup(info, "cabin.alsa.channels"), settings_.device.path.c_str());
	return 0;
}

spa_latency_info ZoneNode::ownLatency() const
{
	/* One quantum plus headroom in the ring, plus what the device adds after it. */
	auto frames = static_cast<std::int32_t>(device_->headroom() + device_->extraDelay());
	spa_latency_info info = SPA_LATENCY_INFO(portDirection());
	info.min_quantum = info.max_quantum = 1.0f;
	info.min_rate = info.max_rate = frames;
	return info;
}

void ZoneNode::updateLatency()
{
	latency_[portDirection()] = ownLatency();
	portParams_[PortLatency].user++;
	portInfo_.change_mask |= SPA_PORT_CHANGE_MASK_PARAMS;
	emitPortInfo(false);
}

void ZoneNode::emitNodeInfo(bool full)
{
	std::uint64_t old = full ? info_.change_mask : 0;
	if (full)
		info_.change_mask = SPA_NODE_CHANGE_MASK_FLAGS | SPA_NODE_CHANGE_MASK_PROPS |
				    SPA_NODE_CHANGE_MASK_PARAMS;
	if (info_.change_mask) {
		if (info_.change_mask & SPA_NODE_CHANGE_MASK_PARAMS) {
			for (spa_param_info &param : params_) {
				if (param.user > 0) {
					param.flags ^= SPA_PARAM_INFO_SERIAL;
					param.user = 0;
				}
			}
		}
		spa_node_emit_info(&hooks_, &info_);
		info_.change_mask = old;
	}
}

void ZoneNode::emitPortInfo(bool full)
{
	std::uint64_t old = full ? portInfo_.change_mask : 0;
	if (full)
		portInfo_.change_mask = SPA_PORT_CHANGE_MASK_FLAGS | SPA_PORT_CHANGE_MASK_PARAMS;
	if (portInfo_.change_mask) {
		if (portInfo_.change_mask & SPA_PORT_CHANGE_MASK_PARAMS) {
			for (spa_param_info &param : portParams_) {
				if (param.user > 0) {
					param.flags ^= SPA_PARAM_INFO_SERIAL;
					param.user = 0;
				}
			}
		}
		spa_node_emit_port_info(&hooks_, portDirection(), 0, &portInfo_);
		portInfo_.change_mask = old;
	}
}

int ZoneNode::addListener(spa_hook *listener, const spa_node_events *events, void *data)
{
	spa_hook_list save;
	spa_hook_list_isolate(&hooks_, &save, listener, events, data);
	emitNodeInfo(true);
	emitPortInfo(true);
	spa_hook_list_join(&hooks_, &save);
	return 0;
}

int ZoneNode::setCallbacks(const spa_node_callbacks *callbacks, void *data)
{
	callbacks_ = SPA_CALLBACKS_INIT(callbacks, data);
	return 0;
}

int ZoneNode::sync(int seq)
{
	spa_node_emit_result(&hooks_, seq, 0, 0, nullptr);
	return 0;
}

int ZoneNode::enumParams(int seq, std::uint32_t id, std::uint32_t start, std::uint32_t num,
			 const spa_pod *filter)
{
	if (num == 0)
		return -EINVAL;
	std::uint8_t buffer[1024];
	spa_result_node_params result;
	result.id = id;
	result.next = start;
	std::uint32_t count = 0;
	while (true) {
		result.index = result.next++;
		spa_pod_builder builder = SPA_POD_BUILDER_INIT(buffer, 512);
		spa_pod *param = nullptr;
		switch (id) {
		case SPA_PARAM_PropInfo:
		case SPA_PARAM_Props:
			/* Volume lives in the adapter; the zone has no settable props. */
			return 0;
		case SPA_PARAM_IO:
			if (result.index == 0)
				param = static_cast<spa_pod *>(spa_pod_builder_add_object(
					&builder, SPA_TYPE_OBJECT_ParamIO, id, SPA_PARAM_IO_id,
					SPA_POD_Id(SPA_IO_Clock), SPA_PARAM_IO_size,
					SPA_POD_Int(sizeof(spa_io_clock))));
			else if (result.index == 1)
				param = static_cast<spa_pod *>(spa_pod_builder_add_object(
					&builder, SPA_TYPE_OBJECT_ParamIO, id, SPA_PARAM_IO_id,
					SPA_POD_Id(SPA_IO_Position), SPA_PARAM_IO_size,
					SPA_POD_Int(sizeof(spa_io_position))));
			else
				return 0;
			break;
		default:
			return -ENOENT;
		}
		spa_pod_builder filtered = SPA_POD_BUILDER_INIT(buffer + 512, 512);
		if (spa_pod_filter(&filtered, &result.param, param, filter) < 0)
			continue;
		spa_node_emit_result(&hooks_, seq, 0, SPA_RESULT_TYPE_NODE_PARAMS, &result);
		if (++count == num)
			return 0;
	}
}

int ZoneNode::setIo(std::uint32_t id, void *data, std::size_t size)
{
	switch (id) {
	case SPA_IO_Clock:
		if (data && size < sizeof(spa_io_clock))
			return -EINVAL;
		clock_ = static_cast<spa_io_clock *>(data);
		if (clock_)
			std::snprintf(clock_->name, sizeof(clock_->name), "cabin.alsa.%s",
				      settings_.device.path.c_str());
		return 0;
	case SPA_IO_Position:
		if (data && size < sizeof(spa_io_position))
			return -EINVAL;
		position_ = static_cast<spa_io_position *>(data);
		return 0;
	default:
		return -ENOENT;
	}
}

bool ZoneNode::isDriving() const
{
	return position_ && clock_ && position_->clock.id == clock_->id;
}

int ZoneNode::sendCommand(const spa_command *command)
{
	switch (SPA_NODE_COMMAND_ID(command)) {
	case SPA_NODE_COMMAND_Start:
		if (!haveFormat_ || bufferCount_ == 0)
			return -EIO;
		return device_->start(this);
	case SPA_NODE_COMMAND_Pause:
	case SPA_NODE_COMMAND_Suspend:
		device_->pause(this);
		return 0;
	case SPA_NODE_COMMAND_ParamBegin:
	case SPA_NODE_COMMAND_ParamEnd:
		return 0;
	default:
		return -ENOTSUP;
	}
}

spa_pod *ZoneNode::buildFormat(spa_pod_builder *builder, std::uint32_t id) const
{
	spa_audio_info_raw info = {};
	info.format = SPA_AUDIO_FORMAT_F32P;
	info.rate = device_->rate();
	info.channels = static_cast<std::uint32_t>(settings_.positions.size());
	for (std::uint32_t i = 0; i < info.channels; i++)
		info.position[i] = settings_.positions[i];
	return spa_format_audio_raw_build(builder, id, &info);
}

int ZoneNode::portEnumParams(int seq, spa_direction direction, std::uint32_t portId,
			     std::uint32_t id, std::uint32_t start, std::uint32_t num,
			     const spa_pod *filter)
{
	if (num == 0 || !checkPort(direction, portId))
		return -EINVAL;
	std::uint8_t buffer[2048];
	spa_result_node_params result;
	result.id = id;
	result.next = start;
	std::uint32_t count = 0;
	const auto channels = static_cast<std::int32_t>(settings_.positions.size());
	while (true) {
		result.index = result.next++;
		spa_pod_builder builder = SPA_POD_BUILDER_INIT(buffer, 1024);
		spa_pod *param = nullptr;
		switch (id) {
		case SPA_PARAM_EnumFormat:
			if (result.index > 0)
				return 0;
			param = buildFormat(&builder, id);
			break;
		case SPA_PARAM_Format:
			if (!haveFormat_)
				return -EIO;
			if (result.index > 0)
				return 0;
			param = spa_format_audio_raw_build(
				&builder, id, const_cast<spa_audio_info_raw *>(&format_));
			break;
		case SPA_PARAM_Buffers:
			if (!haveFormat_)
				return -EIO;
			if (result.index > 0)
				return 0;
			param = static_cast<spa_pod *>(spa_pod_builder_add_object(
				&builder, SPA_TYPE_OBJECT_ParamBuffers, id,
				SPA_PARAM_BUFFERS_buffers,
				SPA_POD_CHOICE_RANGE_Int(2, 1, static_cast<int>(kMaxBuffers)),
				SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(channels),
				SPA_PARAM_BUFFERS_size,
				SPA_POD_CHOICE_RANGE_Int(
					static_cast<int>(kMaxFrames * sizeof(float)),
					16 * static_cast<int>(sizeof(float)), INT32_MAX),
				SPA_PARAM_BUFFERS_stride, SPA_POD_Int(sizeof(float))));
			break;
		case SPA_PARAM_Meta:
			return 0;
		case SPA_PARAM_IO:
			if (result.index > 0)
				return 0;
			param = static_cast<spa_pod *>(spa_pod_builder_add_object(
				&builder, SPA_TYPE_OBJECT_ParamIO, id, SPA_PARAM_IO_id,
				SPA_POD_Id(SPA_IO_Buffers), SPA_PARAM_IO_size,
				SPA_POD_Int(sizeof(spa_io_buffers))));
			break;
		case SPA_PARAM_Latency:
			if (result.index > 1)
				return 0;
			param = spa_latency_build(&builder, id, &latency_[result.index]);
			break;
		default:
			return -ENOENT;
		}
		spa_pod_builder filtered = SPA_POD_BUILDER_INIT(buffer + 1024, 1024);
		if (spa_pod_filter(&filtered, &result.param, param, filter) < 0)
			continue;
		spa_node_emit_result(&hooks_, seq, 0, SPA_RESULT_TYPE_NODE_PARAMS, &result);
		if (++count == num)
			return 0;
	}
}

int ZoneNode::setFormat(const spa_pod *format)
{
	if (!format) {
		if (haveFormat_)
			device_->pause(this);
		haveFormat_ = false;
		bufferCount_ = 0;
	} else {
		std::uint32_t mediaType, mediaSubtype;
		spa_audio_info_raw info = {};
		if (spa_format_parse(format, &mediaType, &mediaSubtype) < 0 ||
		    mediaType != SPA_MEDIA_TYPE_audio || mediaSubtype != SPA_MEDIA_SUBTYPE_raw ||
		    spa_format_audio_raw_parse(format, &info) < 0)
			return -EINVAL;
		if (info.format != SPA_AUDIO_FORMAT_F32P || info.rate != device_->rate() ||
		    info.channels != settings_.positions.size()) {
			spa_log_error(
				support_.log,
				"cabin zone %s: format %s/%u Hz/%u channels refused, the zone "
				"takes F32P/%u Hz/%zu channels",
				settings_.zone.c_str(),
				spa_type_audio_format_to_short_name(info.format), info.rate,
				info.channels, device_->rate(), settings_.positions.size());
			return -EINVAL;
		}
		format_ = info;
		haveFormat_ = true;
	}
	portInfo_.change_mask |= SPA_PORT_CHANGE_MASK_PARAMS;
	portParams_[PortFormat] = SPA_PARAM_INFO(
		SPA_PARAM_Format, static_cast<std::uint32_t>(haveFormat_ ? SPA_PARAM_INFO_READWRITE
									 : SPA_PARAM_INFO_WRITE));
	portParams_[PortBuffers] =
		SPA_PARAM_INFO(SPA_PARAM_Buffers,
			       static_cast<std::uint32_t>(haveFormat_ ? SPA_PARAM_INFO_READ : 0));
	emitPortInfo(false);
	return 0;
}

int ZoneNode::portSetParam(spa_direction direction, std::uint32_t portId, std::uint32_t id,
			   std::uint32_t, const spa_pod *param)
{
	if (!checkPort(direction, portId))
		return -EINVAL;
	switch (id) {
	case SPA_PARAM_Format:
		return setFormat(param);
	case SPA_PARAM_Latency: {
		auto other = static_cast<spa_direction>(SPA_DIRECTION_REVERSE(direction));
		spa_latency_info info = SPA_LATENCY_INFO(other);
		if (param && spa_latency_parse(param, &info) < 0)
			return -EINVAL;
		if (info.direction != other)
			return -EINVAL;
		latency_[info.direction] = info;
		portParams_[PortLatency].user++;
		portInfo_.change_mask |= SPA_PORT_CHANGE_MASK_PARAMS;
		emitPortInfo(false);
		return 0;
	}
	default:
		return -ENOENT;
	}
}

int ZoneNode::portUseBuffers(spa_direction direction, std::uint32_t portId, std::uint32_t,
			     spa_buffer **buffers, std::uint32_t count)
{
	if (!checkPort(direction, portId))
		return -EINVAL;
	if (bufferCount_ > 0)
		device_->pause(this);
	bufferCount_ = 0;
	if (count > 0 && !haveFormat_)
		return -EIO;
	if (count > kMaxBuffers)
		return -ENOSPC;
	for (std::uint32_t i = 0; i < count; i++) {
		if (buffers[i]->n_datas < settings_.positions.size()) {
			spa_log_error(support_.log,
				      "cabin zone %s: buffer with %u planes for %zu "
				      "channels",
				      settings_.zone.c_str(), buffers[i]->n_datas,
				      settings_.positions.size());
			return -EINVAL;
		}
		for (std::uint32_t c = 0; c < buffers[i]->n_datas; c++) {
			if (!buffers[i]->datas[c].data) {
				spa_log_error(support_.log, "cabin zone %s: need mapped memory",
					      settings_.zone.c_str());
				return -EINVAL;
			}
		}
		buffers_[i] = buffers[i];
	}
	bufferCount_ = count;
	freeBuffers_ = count >= 32 ? UINT32_MAX : (1u << count) - 1;
	return 0;
}

int ZoneNode::portSetIo(spa_direction direction, std::uint32_t portId, std::uint32_t id, void *data,
			std::size_t)
{
	if (!checkPort(direction, portId))
		return -EINVAL;
	if (id != SPA_IO_Buffers)
		return -ENOENT;
	io_ = static_cast<spa_io_buffers *>(data);
	return 0;
}

int ZoneNode::portReuseBuffer(std::uint32_t, std::uint32_t bufferId)
{
	if (direction_ != Direction::Capture || bufferId >= bufferCount_)
		return -EINVAL;
	freeBuffers_ |= 1u << bufferId;
	return 0;
}

void ZoneNode::callReady(int status)
{
	spa_node_call_ready(&callbacks_, status);
}

void ZoneNode::callXrun(std::uint64_t triggerUs, std::uint64_t delayUs)
{
	spa_node_call_xrun(&callbacks_, triggerUs, delayUs, nullptr);
}

void ZoneNode::deliver()
{
	if (!io_ || bufferCount_ == 0 || deliveredCycle_ == device_->cycle())
		return;
	if (io_->status == SPA_STATUS_HAVE_DATA)
		return;
	if (io_->buffer_id < bufferCount_)
		freeBuffers_ |= 1u << io_->buffer_id;
	if (freeBuffers_ == 0)
		return;
	auto id = static_cast<std::uint32_t>(__builtin_ctz(freeBuffers_));
	freeBuffers_ &= ~(1u << id);
	spa_buffer *buffer = buffers_[id];
	std::uint32_t frames = device_->cycleFrames();
	for (std::size_t c = 0; c < settings_.deviceChannels.size(); c++) {
		spa_data &plane = buffer->datas[c];
		std::uint32_t bytes =
			std::min<std::uint32_t>(frames * sizeof(float), plane.maxsize);
		std::memcpy(plane.data, device_->plane(settings_.deviceChannels[c]), bytes);
		plane.chunk->offset = 0;
		plane.chunk->size = bytes;
		plane.chunk->stride = sizeof(float);
	}
	deliveredCycle_ = device_->cycle();
	io_->buffer_id = id;
	io_->status = SPA_STATUS_HAVE_DATA;
}

int ZoneNode::process()
{
	spa_io_buffers *io = io_;
	if (!io)
		return -EIO;

	if (direction_ == Direction::Capture) {
		if (io->status == SPA_STATUS_HAVE_DATA)
			return SPA_STATUS_HAVE_DATA;
		if (io->buffer_id < bufferCount_) {
			freeBuffers_ |= 1u << io->buffer_id;
			io->buffer_id = SPA_ID_INVALID;
		}
		deliver();
		return io->status == SPA_STATUS_HAVE_DATA ? SPA_STATUS_HAVE_DATA : SPA_STATUS_OK;
	}

	const bool freewheel = position_ && (position_->clock.flags & SPA_IO_CLOCK_FLAG_FREEWHEEL);
	if (io->status == SPA_STATUS_HAVE_DATA && io->buffer_id < bufferCount_) {
		spa_buffer *buffer = buffers_[io->buffer_id];
		for (std::size_t c = 0; c < settings_.deviceChannels.size(); c++) {
			const spa_data &plane = buffer->datas[c];
			std::uint32_t offset = std::min(plane.chunk->offset, plane.maxsize);
			std::uint32_t size = std::min(plane.chunk->size, plane.maxsize - offset);
			const auto *samples = reinterpret_cast<const float *>(
				static_cast<const std::uint8_t *>(plane.data) + offset);
			if (!freewheel)
				device_->accumulate(settings_.deviceChannels[c], samples,
						    size / sizeof(float));
		}
	}
	io->status = SPA_STATUS_NEED_DATA;
	if (isDriving() && !freewheel)
		device_->commit();
	return SPA_STATUS_HAVE_DATA;
}

} // namespace cabin::zone
