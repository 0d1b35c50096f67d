/* SPDX-License-Identifier: MIT */
/*
 * The zone node (libspa-cabin.so) loaded in-process the way PipeWire loads
 * it, with PipeWire's own support plugin for the system, the main loop and
 * the data loop, on the simulated amplifier (the cabin_amp ALSA plugin).
 * This thread drives the graph: it dispatches the data loop until the
 * device's timer calls ready() on the driving zone, then calls process()
 * on every zone, the driver last. The tests check what reaches the
 * amplifier sample by sample (each zone on its own channels, silence
 * elsewhere, no cycle lost), the clock the driver fills in, the Latency
 * the amplifier's FIFO produces, capture through a zone source, and that
 * the data path (the device wakeup and process(), ALSA and the amplifier
 * included) does not allocate: this binary replaces operator new and
 * malloc to count what a flagged thread allocates.
 */
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <spa/node/io.h>
#include <spa/node/node.h>
#include <spa/node/utils.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/latency-utils.h>
#include <spa/param/param.h>
#include <spa/support/log-impl.h>
#include <spa/support/log.h>
#include <spa/support/loop.h>
#include <spa/support/plugin.h>
#include <spa/support/system.h>
#include <spa/utils/names.h>
#include <spa/utils/result.h>

#include "wav-file.hpp"

#ifndef CABIN_SPA_SYSTEM_PLUGIN_DIR
#define CABIN_SPA_SYSTEM_PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/spa-0.2"
#endif

/*
 * The allocation counter. Every allocation function of the process lands
 * here: operator new directly, the C allocator through the __libc_*
 * entry points (alsa-lib, the amplifier and libc itself call malloc
 * through the PLT, so this definition takes them too). Only allocations of
 * a thread that set its flag are counted; other threads (the amplifier's
 * writer and control threads, say) are not the data path.
 */
namespace {

struct AllocationCount {
	std::uint64_t total = 0;
	std::uint64_t viaNew = 0;
	std::uint32_t callers = 0;
	std::array<void *, 16> caller{};
};

thread_local bool tCounting = false;
thread_local AllocationCount tCount;

inline void noteAllocation(void *caller, bool viaNew)
{
	if (!tCounting)
		return;
	tCount.total++;
	if (viaNew)
		tCount.viaNew++;
	if (tCount.callers < tCount.caller.size())
		tCount.caller[tCount.callers++] = caller;
}

} // namespace

extern "C" {
void *__libc_malloc(std::size_t size) noexcept;
void *__libc_calloc(std::size_t count, std::size_t size) noexcept;
void *__libc_realloc(void *block, std::size_t size) noexcept;
void *__libc_memalign(std::size_t alignment, std::size_t size) noexcept;
void __libc_free(void *block) noexcept;

void *malloc(std::size_t size) noexcept
{
	noteAllocation(__builtin_return_address(0), false);
	return __libc_malloc(size);
}

void *calloc(std::size_t count, std::size_t size) noexcept
{
	noteAllocation(__builtin_return_address(0), false);
	return __libc_calloc(count, size);
}

void *realloc(void *block, std::size_t size) noexcept
{
	if (size > 0)
		noteAllocation(__builtin_return_address(0), false);
	return __libc_realloc(block, size);
}

void free(void *block) noexcept
{
	__libc_free(block);
}

int posix_memalign(void **block, std::size_t alignment, std::size_t size) noexcept
{
	if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
		return EINVAL;
	noteAllocation(__builtin_return_address(0), false);
	void *result = __libc_memalign(alignment, size);
	if (!result)
		return ENOMEM;
	*block = result;
	return 0;
}

void *aligned_alloc(std::size_t alignment, std::size_t size) noexcept
{
	noteAllocation(__builtin_return_address(0), false);
	return __libc_memalign(alignment, size);
}

void *memalign(std::size_t alignment, std::size_t size) noexcept
{
	noteAllocation(__builtin_return_address(0), false);
	return __libc_memalign(alignment, size);
}
} // extern "C"

namespace {

void *allocateNew(std::size_t size, void *caller)
{
	noteAllocation(caller, true);
	return __libc_malloc(size ? size : 1);
}

void *allocateAlignedNew(std::size_t size, std::align_val_t alignment, void *caller)
{
	noteAllocation(caller, true);
	return __libc_memalign(static_cast<std::size_t>(alignment), size ? size : 1);
}

} // namespace

void *operator new(std::size_t size)
{
	if (void *block = allocateNew(size, __builtin_return_address(0)))
		return block;
	throw std::bad_alloc();
}

void *operator new[](std::size_t size)
{
	if (void *block = allocateNew(size, __builtin_return_address(0)))
		return block;
	throw std::bad_alloc();
}

void *operator new(std::size_t size, const std::nothrow_t &) noexcept
{
	return allocateNew(size, __builtin_return_address(0));
}

void *operator new[](std::size_t size, const std::nothrow_t &) noexcept
{
	return allocateNew(size, __builtin_return_address(0));
}

void *operator new(std::size_t size, std::align_val_t alignment)
{
	if (void *block = allocateAlignedNew(size, alignment, __builtin_return_address(0)))
		return block;
	throw std::bad_alloc();
}

void *operator new[](std::size_t size, std::align_val_t alignment)
{
	if (void *block = allocateAlignedNew(size, alignment, __builtin_return_address(0)))
		return block;
	throw std::bad_alloc();
}

void *operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t &) noexcept
{
	return allocateAlignedNew(size, alignment, __builtin_return_address(0));
}

void *operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t &) noexcept
{
	return allocateAlignedNew(size, alignment, __builtin_return_address(0));
}

void operator delete(void *block) noexcept
{
	__libc_free(block);
}

void operator delete[](void *block) noexcept
{
	__libc_free(block);
}

void operator delete(void *block, std::size_t) noexcept
{
	__libc_free(block);
}

void operator delete[](void *block, std::size_t) noexcept
{
	__libc_free(block);
}

void operator delete(void *block, const std::nothrow_t &) noexcept
{
	__libc_free(block);
}

void operator delete[](void *block, const std::nothrow_t &) noexcept
{
	__libc_free(block);
}

void operator delete(void *block, std::align_val_t) noexcept
{
	__libc_free(block);
}

void operator delete[](void *block, std::align_val_t) noexcept
{
	__libc_free(block);
}

void operator delete(void *block, std::size_t, std::align_val_t) noexcept
{
	__libc_free(block);
}

void operator delete[](void *block, std::size_t, std::align_val_t) noexcept
{
	__libc_free(block);
}

namespace cabin::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::uint32_t kRate = 48000;
constexpr std::uint32_t kQuantum = 256;
constexpr std::uint32_t kFifoDelay = 64; /* the amplifier's fifo_delay */
/* Ring fill beyond one quantum: this thread is no real-time data thread,
 * and the ring must outlast its scheduling delays on a busy machine. */
constexpr std::uint32_t kHeadroom = 8192;
constexpr std::uint32_t kMaxFrames = 8192;	    /* the node's largest quantum */
constexpr std::uint32_t kCycles = kRate / kQuantum; /* one second */
constexpr std::uint32_t kBuffers = 2;
constexpr std::uint32_t kAmpChannels = 8;
constexpr std::uint32_t kMicChannels = 4;
constexpr std::uint32_t kMicFrames = 12000; /* the capture file loops */
constexpr int kIterateMs = 50;
constexpr auto kRunTimeout = 20s;

/* Counts allocations of this thread while it lives. */
class AllocationGuard
{
public:
	AllocationGuard() { tCounting = true; }
	~AllocationGuard() { tCounting = false; }
	AllocationGuard(const AllocationGuard &) = delete;
	AllocationGuard &operator=(const AllocationGuard &) = delete;
};

/* What the guards of this thread counted since the last call. */
AllocationCount takeAllocations()
{
	AllocationCount count = tCount;
	tCount = {};
	return count;
}

/* Names the first callers of counted allocations, for a failure message. */
std::string describe(const AllocationCount &count)
{
	std::string text = std::to_string(count.total) + " allocations (" +
			   std::to_string(count.viaNew) + " by operator new), first callers:";
	for (std::uint32_t i = 0; i < count.callers; i++) {
		Dl_info info{};
		char line[512];
		if (dladdr(count.caller[i], &info) && info.dli_fname) {
			auto offset = static_cast<std::uintptr_t>(
				static_cast<char *>(count.caller[i]) -
				static_cast<char *>(info.dli_saddr ? info.dli_saddr
								   : info.dli_fbase));
			std::snprintf(line, sizeof(line), "\n  %p %s (%s+0x%lx)", count.caller[i],
				      info.dli_fname, info.dli_sname ? info.dli_sname : "?",
				      static_cast<unsigned long>(offset));
		} else {
			std::snprintf(line, sizeof(line), "\n  %p", count.caller[i]);
		}
		text += line;
	}
	return text;
}

/* Keeps the compiler from dropping an allocation it can see is unused. */
void escape(void *pointer)
{
	asm volatile("" : : "g"(pointer) : "memory");
}

std::string envOr(const char *name, const char *fallback)
{
	const char *value = std::getenv(name);
	return value && *value ? value : fallback;
}

/*
 * The log the nodes get: prints warnings and errors (or more with
 * SPA_DEBUG=3..5) and counts them. \context any thread; does not allocate.
 */
class TestLog
{
public:
	TestLog()
	{
		int level = std::atoi(envOr("SPA_DEBUG", "2").c_str());
		log_.level = static_cast<spa_log_level>(
			std::clamp(level, static_cast<int>(SPA_LOG_LEVEL_WARN),
				   static_cast<int>(SPA_LOG_LEVEL_TRACE)));
		log_.iface = SPA_INTERFACE_INIT(SPA_TYPE_INTERFACE_Log, SPA_VERSION_LOG, &kMethods,
						this);
	}
	spa_log *log() { return &log_; }
	int problems() const { return problems_; }

private:
	static void logtv(void *object, spa_log_level level, const spa_log_topic *topic,
			  const char *file, int line, const char *func, const char *fmt,
			  va_list args)
	{
		auto *self = static_cast<TestLog *>(object);
		if (level <= SPA_LOG_LEVEL_WARN)
			self->problems_++;
		if (level <= self->log_.level)
			spa_log_impl_logtv(nullptr, level, topic, file, line, func, fmt, args);
	}
	static void logt(void *object, spa_log_level level, const spa_log_topic *topic,
			 const char *file, int line, const char *func, const char *fmt, ...)
	{
		va_list args;
		va_start(args, fmt);
		logtv(object, level, topic, file, line, func, fmt, args);
		va_end(args);
	}
	static void logv(void *object, spa_log_level level, const char *file, int line,
			 const char *func, const char *fmt, va_list args)
	{
		logtv(object, level, nullptr, file, line, func, fmt, args);
	}
	static void log(void *object, spa_log_level level, const char *file, int line,
			const char *func, const char *fmt, ...)
	{
		va_list args;
		va_start(args, fmt);
		logtv(object, level, nullptr, file, line, func, fmt, args);
		va_end(args);
	}
	static void topicInit(void *, spa_log_topic *) {}

	static constexpr spa_log_methods kMethods = {
		SPA_VERSION_LOG_METHODS, log, logv, logt, logtv, topicInit,
	};
	spa_log log_{};
	std::atomic<int> problems_{0};
};

/* A shared library of SPA factories. */
class SpaLibrary
{
public:
	bool open(const std::string &path, std::string *error)
	{
		library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
		if (!library_) {
			*error = dlerror();
			return false;
		}
		enumerate_ = reinterpret_cast<spa_handle_factory_enum_func_t>(
			dlsym(library_, SPA_HANDLE_FACTORY_ENUM_FUNC_NAME));
		if (!enumerate_) {
			*error = path + ": no " SPA_HANDLE_FACTORY_ENUM_FUNC_NAME;
			return false;
		}
		return true;
	}
	const spa_handle_factory *factory(const char *name) const
	{
		const spa_handle_factory *factory = nullptr;
		for (std::uint32_t index = 0; enumerate_(&factory, &index) > 0;)
			if (std::strcmp(factory->name, name) == 0)
				return factory;
		return nullptr;
	}
	/* The libraries stay loaded: alsa-lib and the loops may still run their code. */

private:
	void *library_ = nullptr;
	spa_handle_factory_enum_func_t enumerate_ = nullptr;
};

/* One handle of a factory, cleared and freed on reset(). */
class SpaHandle
{
public:
	SpaHandle() = default;
	~SpaHandle() { reset(); }
	SpaHandle(const SpaHandle &) = delete;
	SpaHandle &operator=(const SpaHandle &) = delete;

	int init(const spa_handle_factory *factory, const spa_dict *info,
		 const spa_support *support, std::uint32_t nSupport)
	{
		reset();
		auto *handle = static_cast<spa_handle *>(
			std::calloc(1, spa_handle_factory_get_size(factory, info)));
		int res = spa_handle_factory_init(factory, handle, info, support, nSupport);
		if (res < 0) {
			std::free(handle);
			return res;
		}
		handle_ = handle;
		return 0;
	}
	template<typename T>
	T *interface(const char *type) const
	{
		void *iface = nullptr;
		if (!handle_ || spa_handle_get_interface(handle_, type, &iface) < 0)
			return nullptr;
		return static_cast<T *>(iface);
	}
	void reset()
	{
		if (!handle_)
			return;
		spa_handle_clear(handle_);
		std::free(handle_);
		handle_ = nullptr;
	}
	explicit operator bool() const { return handle_ != nullptr; }

private:
	spa_handle *handle_ = nullptr;
};

/*
 * The host: PipeWire's support plugin gives the system and two loops,
 * and libspa-cabin the zone factories; the amplifier lives in a temporary
 * directory that alsa-lib finds through XDG_CONFIG_HOME.
 *
 * The support loop runs an invoke at once when the caller is the thread
 * that entered the loop, or when nobody did. In PipeWire the main loop
 * belongs to the main thread, so what the data thread invokes there waits
 * for the main thread. Here a parked thread holds the main loop entered,
 * so the node's invokes from the data path queue up as they do in
 * PipeWire, and this thread dispatches them in dispatchMain(). This thread
 * has the data loop entered, like PipeWire's data thread.
 */
class Host
{
public:
	bool start(std::string *error)
	{
		/* alsa-lib takes a relative `lib` from its own plugin directory. */
		buildRoot_ = fs::absolute(envOr("CABIN_BUILD_ROOT", "build")).string();
		std::string pattern =
			envOr("CABIN_TEST_TMPDIR", "/tmp") + "/cabin-zone-node-XXXXXX";
		std::vector<char> buffer(pattern.begin(), pattern.end());
		buffer.push_back('\0');
		if (!mkdtemp(buffer.data())) {
			*error = pattern + ": " + std::strerror(errno);
			return false;
		}
		dir_ = buffer.data();
		if (!writeAlsaConfig(error))
			return false;

		std::string supportPath =
			envOr("CABIN_SPA_SUPPORT_PLUGIN",
			      CABIN_SPA_SYSTEM_PLUGIN_DIR "/support/libspa-support.so");
		if (!support_.open(supportPath, error))
			return false;
		const spa_handle_factory *systemFactory = support_.factory(SPA_NAME_SUPPORT_SYSTEM);
		const spa_handle_factory *loopFactory = support_.factory(SPA_NAME_SUPPORT_LOOP);
		if (!systemFactory || !loopFactory) {
			*error = supportPath + ": no system or loop factory";
			return false;
		}
		if (systemHandle_.init(systemFactory, nullptr, nullptr, 0) < 0 ||
		    !(system_ = systemHandle_.interface<spa_system>(SPA_TYPE_INTERFACE_System))) {
			*error = "cannot make the system";
			return false;
		}
		const spa_support loopSupport[] = {
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_Log, log_.log()),
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_System, system_),
		};
		for (auto [handle, loop, control] :
		     {std::tuple{&mainHandle_, &mainLoop_, &mainControl_},
		      std::tuple{&dataHandle_, &dataLoop_, &dataControl_}}) {
			if (handle->init(loopFactory, nullptr, loopSupport,
					 SPA_N_ELEMENTS(loopSupport)) < 0 ||
			    !(*loop = handle->interface<spa_loop>(SPA_TYPE_INTERFACE_Loop)) ||
			    !(*control = handle->interface<spa_loop_control>(
				      SPA_TYPE_INTERFACE_LoopControl))) {
				*error = "cannot make a loop";
				return false;
			}
		}
		nodeSupport_ = {
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_Log, log_.log()),
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_System, system_),
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_DataSystem, system_),
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_Loop, mainLoop_),
			SPA_SUPPORT_INIT(SPA_TYPE_INTERFACE_DataLoop, dataLoop_),
		};

		spa_loop_control_enter(dataControl_);
		dataEntered_ = true;
		mainOwner_ = std::thread([this] { holdMainLoop(); });
		{
			std::unique_lock lock(ownerLock_);
			ownerChanged_.wait(lock, [this] { return mainEntered_; });
		}
		/* The support loop allocates an invoke queue the first time it has
		 * no free one: make it now, not in the cycle that first reports
		 * the device delay. */
		spa_loop_invoke(mainLoop_, nothing, 0, nullptr, 0, false, nullptr);
		dispatchMain();

		std::string pluginPath = buildRoot_ + "/spa-plugins/libspa-cabin.so";
		if (!cabin_.open(pluginPath, error))
			return false;
		return true;
	}

	void stop()
	{
		if (mainOwner_.joinable()) {
			dispatchMain();
			{
				std::lock_guard lock(ownerLock_);
				releaseMain_ = true;
			}
			ownerChanged_.notify_all();
			mainOwner_.join();
		}
		if (dataEntered_)
			spa_loop_control_leave(dataControl_);
		dataEntered_ = false;
		mainHandle_.reset();
		dataHandle_.reset();
		systemHandle_.reset();
		if (dir_.empty())
			return;
		if (!::testing::UnitTest::GetInstance()->Passed()) {
			std::fprintf(stderr, "zone-node: recordings and ALSA config kept in %s\n",
				     dir_.c_str());
			return;
		}
		std::error_code ignored;
		fs::remove_all(dir_, ignored);
	}

	/* Runs what was invoked on the main loop. \context this thread */
	void dispatchMain()
	{
		inMainDispatch_ = true;
		while (spa_loop_control_iterate(mainControl_, 0) > 0) {
		}
		inMainDispatch_ = false;
	}
	bool inMainDispatch() const { return inMainDispatch_; }

	/* One wait on the data loop, counting what it allocates. */
	int iterateData(int timeoutMs)
	{
		AllocationGuard guard;
		return spa_loop_control_iterate(dataControl_, timeoutMs);
	}

	const spa_handle_factory *cabinFactory(const char *name) const
	{
		return cabin_.factory(name);
	}
	const spa_support *support() const { return nodeSupport_.data(); }
	std::uint32_t supportCount() const { return nodeSupport_.size(); }
	const std::string &dir() const { return dir_; }
	int logProblems() const { return log_.problems(); }

private:
	bool writeAlsaConfig(std::string *error)
	{
		fs::create_directories(dir_ + "/config/alsa");
		std::ofstream out(dir_ + "/config/alsa/asoundrc");
		out << "pcm_type.cabin_amp { lib \"" << buildRoot_
		    << "/simulator/libasound_module_pcm_cabin_amp.so\" }\n"
		    << "pcm.test_amp {\n\ttype cabin_amp\n\tchannels " << kAmpChannels
		    << "\n\trate " << kRate << "\n\tfifo_delay " << kFifoDelay << "\n\tcontrol \""
		    << dir_ << "/amp.sock\"\n\trecord [ { file \"" << dir_ << "/amp.wav\" } ]\n}\n"
		    << "pcm.test_xrun {\n\ttype cabin_amp\n\tchannels 2\n\trate " << kRate
		    << "\n\tcontrol \"" << dir_ << "/xrun.sock\"\n}\n"
		    << "pcm.test_mics {\n\ttype cabin_amp\n\tchannels " << kMicChannels
		    << "\n\trate " << kRate << "\n\tplay [ { file \"" << dir_
		    << "/mic.wav\" channels [ 2 ] } ]\n}\n";
		out.close();
		if (!out) {
			*error = dir_ + "/config/alsa/asoundrc: cannot write";
			return false;
		}
		/* alsa-lib reads $XDG_CONFIG_HOME/alsa/asoundrc on its first use. */
		setenv("XDG_CONFIG_HOME", (dir_ + "/config").c_str(), 1);
		return true;
	}

	static int nothing(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *)
	{
		return 0;
	}

	void holdMainLoop()
	{
		spa_loop_control_enter(mainControl_);
		std::unique_lock lock(ownerLock_);
		mainEntered_ = true;
		ownerChanged_.notify_all();
		ownerChanged_.wait(lock, [this] { return releaseMain_; });
		spa_loop_control_leave(mainControl_);
	}

	std::string buildRoot_, dir_;
	TestLog log_;
	SpaLibrary support_, cabin_;
	SpaHandle systemHandle_, mainHandle_, dataHandle_;
	spa_system *system_ = nullptr;
	spa_loop *mainLoop_ = nullptr, *dataLoop_ = nullptr;
	spa_loop_control *mainControl_ = nullptr, *dataControl_ = nullptr;
	std::array<spa_support, 5> nodeSupport_{};
	bool dataEntered_ = false;
	bool inMainDispatch_ = false;

	std::thread mainOwner_;
	std::mutex ownerLock_;
	std::condition_variable ownerChanged_;
	bool mainEntered_ = false, releaseMain_ = false;
};

Host *gHost = nullptr;
std::string gHostError;

class HostEnvironment : public ::testing::Environment
{
public:
	void SetUp() override
	{
		gHost = new Host;
		if (!gHost->start(&gHostError))
			FAIL() << gHostError;
	}
	void TearDown() override
	{
		gHost->stop();
		delete gHost;
		gHost = nullptr;
	}
};

[[maybe_unused]] const auto *const kEnvironment =
	::testing::AddGlobalTestEnvironment(new HostEnvironment);

/* Our buffers: \a planes planes of kMaxFrames floats, memory the test owns. */
struct TestBuffer {
	spa_buffer buffer{};
	std::array<spa_data, 8> datas{};
	std::array<spa_chunk, 8> chunks{};
	std::vector<float> samples;

	void init(std::uint32_t planes)
	{
		samples.assign(static_cast<std::size_t>(planes) * kMaxFrames, 0.0f);
		for (std::uint32_t c = 0; c < planes; c++) {
			datas[c].type = SPA_DATA_MemPtr;
			datas[c].flags = SPA_DATA_FLAG_READWRITE;
			datas[c].fd = -1;
			datas[c].maxsize = kMaxFrames * sizeof(float);
			datas[c].data = samples.data() + static_cast<std::size_t>(c) * kMaxFrames;
			datas[c].chunk = &chunks[c];
		}
		buffer.n_datas = planes;
		buffer.datas = datas.data();
	}
	float *plane(std::uint32_t c) { return static_cast<float *>(datas[c].data); }
};

/*
 * One zone handle and what PipeWire would give it: listener, callbacks,
 * clock, position, buffers and the port's io area.
 */
class Zone
{
public:
	Zone(const char *factory, std::map<std::string, std::string> properties)
	    : factory_(factory), properties_(std::move(properties))
	{
		output_ = std::strcmp(factory, "cabin.alsa.zone-source") == 0;
	}
	~Zone() { close(); }
	Zone(const Zone &) = delete;
	Zone &operator=(const Zone &) = delete;

	/* Makes the handle; returns the init result. */
	int open()
	{
		const spa_handle_factory *factory = gHost->cabinFactory(factory_.c_str());
		if (!factory)
			return -ENOENT;
		std::vector<spa_dict_item> items;
		for (const auto &[key, value] : properties_)
			items.push_back(SPA_DICT_ITEM_INIT(key.c_str(), value.c_str()));
		spa_dict info =
			SPA_DICT_INIT(items.data(), static_cast<std::uint32_t>(items.size()));
		int res = handle_.init(factory, &info, gHost->support(), gHost->supportCount());
		if (res < 0)
			return res;
		node_ = handle_.interface<spa_node>(SPA_TYPE_INTERFACE_Node);
		if (!node_)
			return -ENOENT;
		static const spa_node_events kEvents = {
			.version = SPA_VERSION_NODE_EVENTS,
			.info = onInfo,
			.port_info = onPortInfo,
			.result = nullptr,
			.event = nullptr,
		};
		static const spa_node_callbacks kCallbacks = {
			.version = SPA_VERSION_NODE_CALLBACKS,
			.ready = onReady,
			.reuse_buffer = nullptr,
			.xrun = onXrun,
		};
		if ((res = spa_node_add_listener(node_, &listener_, &kEvents, this)) < 0)
			return res;
		return spa_node_set_callbacks(node_, &kCallbacks, this);
	}

	void close()
	{
		if (node_)
			spa_hook_remove(&listener_);
		node_ = nullptr;
		handle_.reset();
	}

	spa_node *node() const { return node_; }
	spa_direction direction() const
	{
		return output_ ? SPA_DIRECTION_OUTPUT : SPA_DIRECTION_INPUT;
	}

	/* Gives the zone \a position and its own clock with \a clockId. */
	int setClock(spa_io_position *position, std::uint32_t clockId)
	{
		clock_.id = clockId;
		int res = spa_node_set_io(node_, SPA_IO_Clock, &clock_, sizeof(clock_));
		if (res < 0)
			return res;
		return spa_node_set_io(node_, SPA_IO_Position, position, sizeof(*position));
	}

	/* The port's first EnumFormat, parsed. */
	std::optional<spa_audio_info_raw> enumFormat()
	{
		std::uint8_t storage[4096];
		spa_pod_builder builder = SPA_POD_BUILDER_INIT(storage, sizeof(storage));
		std::uint32_t index = 0;
		spa_pod *param = nullptr;
		if (spa_node_port_enum_params_sync(node_, direction(), 0, SPA_PARAM_EnumFormat,
						   &index, nullptr, &param, &builder) != 1)
			return std::nullopt;
		std::uint32_t mediaType = 0, mediaSubtype = 0;
		spa_audio_info_raw info{};
		if (spa_format_parse(param, &mediaType, &mediaSubtype) < 0 ||
		    mediaType != SPA_MEDIA_TYPE_audio || mediaSubtype != SPA_MEDIA_SUBTYPE_raw ||
		    spa_format_audio_raw_parse(param, &info) < 0)
			return std::nullopt;
		return info;
	}

	/* The port's Latency of \a direction, parsed. */
	std::optional<spa_latency_info> latency(spa_direction latencyDirection)
	{
		std::uint8_t storage[4096];
		spa_pod_builder builder = SPA_POD_BUILDER_INIT(storage, sizeof(storage));
		std::uint32_t index = 0;
		spa_pod *param = nullptr;
		while (spa_node_port_enum_params_sync(node_, direction(), 0, SPA_PARAM_Latency,
						      &index, nullptr, &param, &builder) == 1) {
			spa_latency_info info{};
			if (spa_latency_parse(param, &info) >= 0 &&
			    info.direction == latencyDirection)
				return info;
		}
		return std::nullopt;
	}

	/* Format, buffers and the io area, as the graph sets up a link. */
	int configure(const spa_audio_info_raw &format)
	{
		std::uint8_t storage[1024];
		spa_pod_builder builder = SPA_POD_BUILDER_INIT(storage, sizeof(storage));
		spa_audio_info_raw info = format;
		const spa_pod *param =
			spa_format_audio_raw_build(&builder, SPA_PARAM_Format, &info);
		int res =
			spa_node_port_set_param(node_, direction(), 0, SPA_PARAM_Format, 0, param);
		if (res < 0)
			return res;
		channels_ = format.channels;
		std::array<spa_buffer *, kBuffers> pointers{};
		for (std::uint32_t i = 0; i < kBuffers; i++) {
			buffers_[i].init(channels_);
			pointers[i] = &buffers_[i].buffer;
		}
		res = spa_node_port_use_buffers(node_, direction(), 0, 0, pointers.data(),
						kBuffers);
		if (res < 0)
			return res;
		io_ = SPA_IO_BUFFERS_INIT;
		return spa_node_port_set_io(node_, direction(), 0, SPA_IO_Buffers, &io_,
					    sizeof(io_));
	}

	int command(std::uint32_t id)
	{
		spa_command command = SPA_NODE_COMMAND_INIT(id);
		return spa_node_send_command(node_, &command);
	}

	/* process(), counting what it allocates. */
	int process()
	{
		AllocationGuard guard;
		return spa_node_process(node_);
	}

	/* Input: fills buffer \a id with \a frames frames of \a sample and hands it over. */
	void queue(std::uint32_t id, std::uint32_t frames, std::uint64_t firstFrame,
		   float (*sample)(std::uint64_t frame, std::uint32_t channel))
	{
		TestBuffer &buffer = buffers_[id];
		for (std::uint32_t c = 0; c < channels_; c++) {
			float *plane = buffer.plane(c);
			for (std::uint32_t i = 0; i < frames; i++)
				plane[i] = sample(firstFrame + i, c);
			buffer.chunks[c].offset = 0;
			buffer.chunks[c].size = frames * sizeof(float);
			buffer.chunks[c].stride = sizeof(float);
		}
		io_.buffer_id = id;
		io_.status = SPA_STATUS_HAVE_DATA;
	}

	TestBuffer &buffer(std::uint32_t id) { return buffers_[id]; }
	spa_io_buffers &io() { return io_; }
	spa_io_clock &clock() { return clock_; }

	/* What the node told us. */
	int infos = 0;
	std::uint32_t maxInputPorts = 0, maxOutputPorts = 0;
	std::map<std::string, std::string> props;
	int portInfos = 0;
	spa_direction portDirection = SPA_DIRECTION_INPUT;
	std::uint32_t portId = SPA_ID_INVALID;
	std::uint32_t latencyFlags = 0;
	int latencyUpdates = 0, latencyUpdatesOffMain = 0;
	int readies = 0, lastReady = 0, xruns = 0;

private:
	static void onInfo(void *data, const spa_node_info *info)
	{
		auto *self = static_cast<Zone *>(data);
		self->infos++;
		self->maxInputPorts = info->max_input_ports;
		self->maxOutputPorts = info->max_output_ports;
		if ((info->change_mask & SPA_NODE_CHANGE_MASK_PROPS) && info->props) {
			const spa_dict_item *item;
			spa_dict_for_each(item, info->props)
			{
				self->props[item->key] = item->value;
			}
		}
	}
	/* Also runs from dispatchMain() when the device delay changed: no allocation. */
	static void onPortInfo(void *data, spa_direction direction, std::uint32_t port,
			       const spa_port_info *info)
	{
		auto *self = static_cast<Zone *>(data);
		self->portInfos++;
		self->portDirection = direction;
		self->portId = port;
		if (!info || !(info->change_mask & SPA_PORT_CHANGE_MASK_PARAMS))
			return;
		for (std::uint32_t i = 0; i < info->n_params; i++) {
			if (info->params[i].id != SPA_PARAM_Latency)
				continue;
			if (self->portInfos > 1 && info->params[i].flags != self->latencyFlags) {
				self->latencyUpdates++;
				if (!gHost->inMainDispatch())
					self->latencyUpdatesOffMain++;
			}
			self->latencyFlags = info->params[i].flags;
		}
	}
	/* \context the data loop: no allocation. */
	static int onReady(void *data, int status)
	{
		auto *self = static_cast<Zone *>(data);
		self->readies++;
		self->lastReady = status;
		return 0;
	}
	static int onXrun(void *data, std::uint64_t, std::uint64_t, spa_pod *)
	{
		static_cast<Zone *>(data)->xruns++;
		return 0;
	}

	std::string factory_;
	std::map<std::string, std::string> properties_;
	bool output_ = false;
	SpaHandle handle_;
	spa_node *node_ = nullptr;
	spa_hook listener_{};
	spa_io_clock clock_{};
	spa_io_buffers io_ = SPA_IO_BUFFERS_INIT;
	std::uint32_t channels_ = 0;
	std::array<TestBuffer, kBuffers> buffers_;
};

/* The graph's position, driven by the clock with id 1. */
spa_io_position makePosition()
{
	spa_io_position position{};
	position.clock.id = 1;
	position.clock.rate = SPA_FRACTION(1, kRate);
	position.clock.duration = kQuantum;
	position.clock.target_rate = SPA_FRACTION(1, kRate);
	position.clock.target_duration = kQuantum;
	position.state = SPA_IO_POSITION_STATE_RUNNING;
	return position;
}

spa_audio_info_raw makeFormat(std::initializer_list<std::uint32_t> positions)
{
	spa_audio_info_raw info{};
	info.format = SPA_AUDIO_FORMAT_F32P;
	info.rate = kRate;
	info.channels = static_cast<std::uint32_t>(positions.size());
	std::copy(positions.begin(), positions.end(), info.position);
	return info;
}

/* The front zone's samples: never zero, exact in float, |x| < 0.5. */
float frontSample(std::uint64_t frame, std::uint32_t channel)
{
	auto step = static_cast<float>((frame * 37 + channel * 101) % 2003 + 1);
	return (channel % 2 ? -step : step) / 4096.0f;
}

/* The rear zone's samples, another pattern. */
float rearSample(std::uint64_t frame, std::uint32_t channel)
{
	auto step = static_cast<float>((frame * 53 + channel * 7) % 997 + 1);
	return (channel % 2 ? step : -step) / 2048.0f;
}

/* The node's float to S32 conversion (24 bits, shifted up by 8). */
std::int32_t toS32(float value)
{
	return static_cast<std::int32_t>(std::lrintf(std::clamp(value, -1.0f, 1.0f) * 8388607.0f)) *
	       256;
}

/* The microphone file's samples (S32, 24 significant bits, never zero). */
std::int32_t micSample(std::uint64_t frame)
{
	auto level = static_cast<std::int32_t>((frame * 97) % 50000 + 1);
	return (frame % 2 ? level : -level) * 256;
}

/* Sends \a command (status, xrun) to the amplifier's control socket; returns the reply. */
std::string ampCommand(const std::string &socketPath, const std::string &command)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (socketPath.size() >= sizeof(addr.sun_path))
		return "error: socket path too long";
	std::strcpy(addr.sun_path, socketPath.c_str());
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return std::string("error: ") + std::strerror(errno);
	std::string reply;
	if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		reply = std::string("error: ") + std::strerror(errno);
	} else if (write(fd, (command + "\n").c_str(), command.size() + 1) !=
		   static_cast<ssize_t>(command.size() + 1)) {
		reply = std::string("error: ") + std::strerror(errno);
	} else {
		char buffer[1024];
		ssize_t size;
		while ((size = read(fd, buffer, sizeof(buffer))) > 0)
			reply.append(buffer, static_cast<std::size_t>(size));
	}
	::close(fd);
	return reply;
}

/* The value of `key=value` in a status reply, or "(missing)". */
std::string statusValue(const std::string &status, const std::string &key)
{
	std::string prefix = key + "=";
	std::size_t at = status.starts_with(prefix) ? 0 : status.find("\n" + prefix);
	if (at == std::string::npos)
		return "(missing)";
	if (at > 0)
		at++;
	std::size_t end = status.find('\n', at);
	return status.substr(at + prefix.size(), end == std::string::npos
							 ? std::string::npos
							 : end - at - prefix.size());
}

class ZoneNodeTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		ASSERT_NE(gHost, nullptr);
		ASSERT_TRUE(gHostError.empty()) << gHostError;
		takeAllocations();
		logProblems_ = gHost->logProblems();
	}

	/*
	 * Dispatches the data loop until \a driver is ready once more, then runs
	 * \a cycle; \a cycles times, or as long as \a more says. False (with a
	 * failure) when the cycles stop coming.
	 */
	bool runCycles(Zone &driver, std::uint32_t cycles, const std::function<void()> &cycle,
		       const std::function<bool()> &more = nullptr)
	{
		auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
		for (std::uint32_t done = 0; done < cycles || (more && more());) {
			int before = driver.readies;
			while (driver.readies == before) {
				if (std::chrono::steady_clock::now() > deadline) {
					ADD_FAILURE() << "no ready() after " << done << " cycles";
					return false;
				}
				int res = gHost->iterateData(kIterateMs);
				if (res < 0) {
					ADD_FAILURE() << "data loop: " << spa_strerror(res);
					return false;
				}
				gHost->dispatchMain();
			}
			if (driver.readies != before + 1) {
				ADD_FAILURE()
					<< "the device woke the graph " << driver.readies - before
					<< " times in one dispatch";
				return false;
			}
			cycle();
			if (::testing::Test::HasFatalFailure())
				return false;
			done++;
		}
		return true;
	}

	void expectNoAllocations()
	{
		AllocationCount count = takeAllocations();
		EXPECT_EQ(count.total, 0u)
			<< "the data path allocated (the device wakeup and process(), with "
			   "alsa-lib and the amplifier under them): "
			<< describe(count);
	}

	int logProblems_ = 0;
};

TEST(AllocationGuardTest, CountsThisThreadsAllocationsWhileSet)
{
	std::atomic<int> step{0};
	std::thread other([&step] {
		while (step.load() != 1)
			std::this_thread::yield();
		void *elsewhere = std::malloc(64);
		escape(elsewhere);
		std::free(elsewhere);
		step = 2;
	});
	takeAllocations();
	{
		AllocationGuard guard;
		void *block = std::malloc(32);
		escape(block);
		std::free(block);
		auto *value = new int(1);
		escape(value);
		delete value;
		/* libc's own allocations go through the same malloc. */
		char *copy = strdup("zone");
		escape(copy);
		std::free(copy);
		/* Another thread's are not counted. */
		step = 1;
		while (step.load() != 2)
			std::this_thread::yield();
	}
	AllocationCount count = takeAllocations();
	other.join();
	EXPECT_EQ(count.total, 3u) << describe(count);
	EXPECT_EQ(count.viaNew, 1u);

	void *block = std::malloc(32);
	escape(block);
	std::free(block);
	EXPECT_EQ(takeAllocations().total, 0u);
}

/*
 * Two sink zones on one 8-channel amplifier: front on channels 0 1 drives,
 * rear on 4 5 follows. A second of cycles must reach the amplifier sample
 * for sample, each zone on its own channels, with nothing lost.
 */
TEST_F(ZoneNodeTest, SinkZonesMixIntoTheirChannelsOfOnePcm)
{
	Zone front("cabin.alsa.zone-sink", {{"api.alsa.path", "test_amp"},
					    {"cabin.alsa.channels", "[ 0 1 ]"},
					    {"audio.position", "[ FL FR ]"},
					    {"api.alsa.headroom", std::to_string(kHeadroom)},
					    {"cabin.zone", "front"}});
	Zone rear("cabin.alsa.zone-sink", {{"api.alsa.path", "test_amp"},
					   {"cabin.alsa.channels", "[ 4 5 ]"},
					   {"audio.position", "[ RL RR ]"},
					   {"api.alsa.headroom", std::to_string(kHeadroom)},
					   {"cabin.zone", "rear"}});
	{
		AllocationGuard guard;
		ASSERT_EQ(front.open(), 0);
	}
	/* The plugin's operator new is the counted one, so zero below means zero. */
	EXPECT_GT(takeAllocations().viaNew, 0u);
	ASSERT_EQ(rear.open(), 0);

	for (Zone *zone : {&front, &rear}) {
		EXPECT_GE(zone->infos, 1);
		EXPECT_EQ(zone->maxInputPorts, 1u);
		EXPECT_EQ(zone->maxOutputPorts, 0u);
		EXPECT_EQ(zone->props["node.driver"], "true");
		EXPECT_EQ(zone->props["node.group"], "cabin.alsa.p.test_amp");
		EXPECT_EQ(zone->props["media.class"], "Audio/Sink");
		EXPECT_EQ(zone->props["cabin.alsa.format"], "S32_LE");
		EXPECT_GE(zone->portInfos, 1);
		EXPECT_EQ(zone->portDirection, SPA_DIRECTION_INPUT);
		EXPECT_EQ(zone->portId, 0u);
	}

	auto frontFormat = front.enumFormat();
	ASSERT_TRUE(frontFormat);
	EXPECT_EQ(frontFormat->format, SPA_AUDIO_FORMAT_F32P);
	EXPECT_EQ(frontFormat->rate, kRate);
	ASSERT_EQ(frontFormat->channels, 2u);
	EXPECT_EQ(frontFormat->position[0], SPA_AUDIO_CHANNEL_FL);
	EXPECT_EQ(frontFormat->position[1], SPA_AUDIO_CHANNEL_FR);
	auto rearFormat = rear.enumFormat();
	ASSERT_TRUE(rearFormat);
	ASSERT_EQ(rearFormat->channels, 2u);
	EXPECT_EQ(rearFormat->position[0], SPA_AUDIO_CHANNEL_RL);
	EXPECT_EQ(rearFormat->position[1], SPA_AUDIO_CHANNEL_RR);

	spa_io_position position = makePosition();
	ASSERT_EQ(front.setClock(&position, position.clock.id), 0);
	ASSERT_EQ(rear.setClock(&position, position.clock.id + 1), 0);
	EXPECT_STREQ(front.clock().name, "cabin.alsa.test_amp");
	/* A format the zone does not take is refused (and logged). */
	EXPECT_LT(front.configure(makeFormat({SPA_AUDIO_CHANNEL_MONO})), 0);
	logProblems_ = gHost->logProblems();
	ASSERT_EQ(front.configure(makeFormat({SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR})), 0);
	ASSERT_EQ(rear.configure(makeFormat({SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR})), 0);

	ASSERT_EQ(front.command(SPA_NODE_COMMAND_Start), 0);
	ASSERT_EQ(rear.command(SPA_NODE_COMMAND_Start), 0);

	std::uint32_t cycle = 0;
	std::uint64_t lastNsec = 0, lastNextNsec = 0, longestGap = 0;
	auto latencyPending = [&] { return front.latencyUpdates == 0; };
	bool ran = runCycles(
		front, kCycles,
		[&] {
			const spa_io_clock &clock = front.clock();
			ASSERT_EQ(front.lastReady, SPA_STATUS_NEED_DATA);
			ASSERT_EQ(clock.duration, kQuantum);
			ASSERT_EQ(clock.rate.num, 1u);
			ASSERT_EQ(clock.rate.denom, kRate);
			ASSERT_EQ(clock.position, std::uint64_t{cycle} * kQuantum);
			/* A late wakeup may find the next one due already: the device
			 * keeps to its grid. */
			ASSERT_GT(clock.nsec, lastNsec);
			ASSERT_GT(clock.next_nsec, lastNextNsec);
			ASSERT_GT(clock.rate_diff, 0.9);
			ASSERT_LT(clock.rate_diff, 1.1);
			ASSERT_GE(clock.delay, 0);
			if (lastNsec)
				longestGap = std::max(longestGap, clock.nsec - lastNsec);
			lastNsec = clock.nsec;
			lastNextNsec = clock.next_nsec;

			std::uint64_t first = std::uint64_t{cycle} * kQuantum;
			rear.queue(cycle % kBuffers, kQuantum, first, rearSample);
			front.queue(cycle % kBuffers, kQuantum, first, frontSample);
			int rearRes = rear.process();
			int frontRes = front.process();
			ASSERT_EQ(rearRes, SPA_STATUS_HAVE_DATA);
			ASSERT_EQ(frontRes, SPA_STATUS_HAVE_DATA);
			ASSERT_EQ(rear.io().status, SPA_STATUS_NEED_DATA);
			ASSERT_EQ(front.io().status, SPA_STATUS_NEED_DATA);
			cycle++;
		},
		latencyPending);
	ASSERT_TRUE(ran);
	expectNoAllocations();

	EXPECT_EQ(rear.readies, 0) << "only the driving zone starts cycles";
	EXPECT_EQ(front.xruns, 0) << "longest time between wakeups: " << longestGap / 1000
				  << " us; the headroom lasts " << kHeadroom * 1000000ull / kRate
				  << " us";
	EXPECT_EQ(rear.xruns, 0);
	EXPECT_EQ(rear.clock().nsec, 0u) << "a follower's clock is not the driver's";

	/* The headroom and the amplifier's FIFO show as the ports' Latency,
	 * updated from the main loop. */
	for (Zone *zone : {&front, &rear}) {
		EXPECT_GE(zone->latencyUpdates, 1);
		EXPECT_EQ(zone->latencyUpdatesOffMain, 0);
		auto latency = zone->latency(SPA_DIRECTION_INPUT);
		ASSERT_TRUE(latency);
		/*
		 * The device delay is measured, and a late wakeup on a loaded
		 * machine can move the average by a frame; 2 frames is the
		 * threshold below which the node does not re-publish.
		 */
		const auto expected = static_cast<std::int32_t>(kHeadroom + kFifoDelay);
		EXPECT_NEAR(latency->min_rate, expected, 2);
		EXPECT_EQ(latency->max_rate, latency->min_rate);
		EXPECT_EQ(latency->min_quantum, 1.0f);
		EXPECT_EQ(latency->max_quantum, 1.0f);
	}

	EXPECT_EQ(rear.command(SPA_NODE_COMMAND_Pause), 0);
	std::string status = ampCommand(gHost->dir() + "/amp.sock", "status");
	EXPECT_EQ(statusValue(status, "state"), "running") << status;
	EXPECT_EQ(front.command(SPA_NODE_COMMAND_Pause), 0);
	status = ampCommand(gHost->dir() + "/amp.sock", "status");
	EXPECT_EQ(statusValue(status, "state"), "stopped") << status;
	EXPECT_EQ(statusValue(status, "format"), "S32_LE") << status;
	EXPECT_EQ(statusValue(status, "starts"), "1") << status;
	EXPECT_EQ(statusValue(status, "xruns"), "0") << status;
	EXPECT_EQ(statusValue(status, "record-dropped"), "0") << status;
	gHost->dispatchMain();
	rear.close();
	front.close();
	EXPECT_EQ(gHost->logProblems(), logProblems_) << "the node logged warnings or errors";

	/* Closing the PCM finished the recording. */
	WavInfo info;
	std::string error;
	auto samples = readWavIntegers(gHost->dir() + "/amp.wav", &info, &error);
	ASSERT_TRUE(samples) << error;
	ASSERT_EQ(info.format, SampleFormat::S32);
	ASSERT_EQ(info.channels, kAmpChannels);
	EXPECT_EQ(info.rate, kRate);
	const std::size_t frames = samples->size() / kAmpChannels;
	auto at = [&](std::size_t frame, std::uint32_t channel) {
		return (*samples)[frame * kAmpChannels + channel];
	};

	/* The ring was primed with one quantum and the headroom of silence. */
	std::size_t primed = 0;
	while (primed < frames && at(primed, 0) == 0)
		primed++;
	EXPECT_EQ(primed, kQuantum + kHeadroom);
	/* Then every cycle in order. The pause dropped what was still in the ring
	 * (the target fill and the last cycle) and what the amplifier played
	 * since it last looked at the ring, up to a quantum more when the
	 * machine stalled between its last look and the pause. */
	const std::size_t played = frames - primed;
	EXPECT_LE(played, std::size_t{cycle} * kQuantum);
	EXPECT_GE(played + kHeadroom + 4 * kQuantum, std::size_t{cycle} * kQuantum)
		<< "recorded " << frames << " frames for " << cycle << " cycles";
	std::size_t wrong = 0;
	std::string firstWrong;
	for (std::size_t frame = 0; frame < frames; frame++) {
		for (std::uint32_t channel = 0; channel < kAmpChannels; channel++) {
			std::int32_t expected = 0;
			if (frame >= primed) {
				std::uint64_t n = frame - primed;
				if (channel == 0 || channel == 1)
					expected = toS32(frontSample(n, channel));
				else if (channel == 4 || channel == 5)
					expected = toS32(rearSample(n, channel - 4));
			}
			if (at(frame, channel) != expected && wrong++ == 0)
				firstWrong = "frame " + std::to_string(frame) + " channel " +
					     std::to_string(channel) + ": " +
					     std::to_string(at(frame, channel)) + ", expected " +
					     std::to_string(expected);
		}
	}
	EXPECT_EQ(wrong, 0u) << "first: " << firstWrong;
}

/*
 * The amplifier underruns once (its `xrun` command): the driving zone
 * reports it through xrun(), the device restarts the PCM from the data
 * loop, and the cycles go on, still without allocating.
 */
TEST_F(ZoneNodeTest, XrunIsReportedAndThePcmRestarts)
{
	Zone front("cabin.alsa.zone-sink", {{"api.alsa.path", "test_xrun"},
					    {"cabin.alsa.channels", "[ 0 1 ]"},
					    {"audio.position", "[ FL FR ]"},
					    {"api.alsa.headroom", std::to_string(kHeadroom)}});
	ASSERT_EQ(front.open(), 0);
	spa_io_position position = makePosition();
	ASSERT_EQ(front.setClock(&position, position.clock.id), 0);
	ASSERT_EQ(front.configure(makeFormat({SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR})), 0);
	ASSERT_EQ(front.command(SPA_NODE_COMMAND_Start), 0);

	std::uint32_t cycle = 0;
	auto play = [&] {
		front.queue(cycle % kBuffers, kQuantum, std::uint64_t{cycle} * kQuantum,
			    frontSample);
		ASSERT_EQ(front.process(), SPA_STATUS_HAVE_DATA);
		cycle++;
	};
	const std::string control = gHost->dir() + "/xrun.sock";
	ASSERT_TRUE(runCycles(front, 32, play));
	EXPECT_EQ(front.xruns, 0);
	ASSERT_EQ(ampCommand(control, "xrun"), "ok\n");
	ASSERT_TRUE(runCycles(front, 1, play, [&] { return front.xruns == 0; }));
	const int readiesAtXrun = front.readies;
	ASSERT_TRUE(runCycles(front, 32, play));
	expectNoAllocations();
	EXPECT_EQ(front.xruns, 1);
	EXPECT_EQ(front.readies, readiesAtXrun + 32);
	/* The clock keeps counting through the restart. */
	EXPECT_EQ(front.clock().position, std::uint64_t{cycle - 1} * kQuantum);

	std::string status = ampCommand(control, "status");
	EXPECT_EQ(statusValue(status, "state"), "running") << status;
	EXPECT_EQ(statusValue(status, "xruns"), "1") << status;
	EXPECT_EQ(statusValue(status, "starts"), "2") << status;
	EXPECT_EQ(front.command(SPA_NODE_COMMAND_Pause), 0);
	status = ampCommand(control, "status");
	EXPECT_EQ(statusValue(status, "state"), "stopped") << status;
	gHost->dispatchMain();
	front.close();
	/* The xrun is logged once, as a warning from the main loop. */
	EXPECT_EQ(gHost->logProblems(), logProblems_ + 1);
}

/*
 * A zone source on channel 2 of a 4-channel capture PCM: what the graph
 * gets is the microphone file, sample for sample, from its first frame.
 */
TEST_F(ZoneNodeTest, SourceZoneCapturesItsChannel)
{
	const std::string micPath = gHost->dir() + "/mic.wav";
	{
		WavWriter writer;
		std::string error;
		ASSERT_TRUE(writer.open(micPath, {SampleFormat::S32, 1, kRate}, &error)) << error;
		std::vector<std::int32_t> samples(kMicFrames);
		for (std::uint32_t i = 0; i < kMicFrames; i++)
			samples[i] = micSample(i);
		ASSERT_TRUE(writer.write(samples.data(), samples.size()));
		writer.close();
	}
	/* What the amplifier reads from the file, then sends as S32, then the node reads. */
	std::string error;
	auto mic = readWav(micPath, &error);
	ASSERT_TRUE(mic) << error;
	ASSERT_EQ(mic->frames(), kMicFrames);
	auto expectedSample = [&](std::uint64_t frame) {
		std::int32_t device = toS32(mic->at(frame % kMicFrames, 0));
		return static_cast<float>(device >> 8) * (1.0f / 8388608.0f);
	};
	EXPECT_EQ(expectedSample(1), static_cast<float>(micSample(1) / 256) / 8388608.0f);

	Zone mics("cabin.alsa.zone-source", {{"api.alsa.path", "test_mics"},
					     {"cabin.alsa.channels", "[ 2 ]"},
					     {"audio.position", "[ MONO ]"},
					     {"cabin.zone", "cabin-mic"}});
	ASSERT_EQ(mics.open(), 0);
	EXPECT_EQ(mics.maxInputPorts, 0u);
	EXPECT_EQ(mics.maxOutputPorts, 1u);
	EXPECT_EQ(mics.props["media.class"], "Audio/Source");
	EXPECT_EQ(mics.props["node.group"], "cabin.alsa.c.test_mics");
	EXPECT_EQ(mics.portDirection, SPA_DIRECTION_OUTPUT);
	auto format = mics.enumFormat();
	ASSERT_TRUE(format);
	ASSERT_EQ(format->channels, 1u);
	EXPECT_EQ(format->position[0], SPA_AUDIO_CHANNEL_MONO);

	spa_io_position position = makePosition();
	ASSERT_EQ(mics.setClock(&position, position.clock.id), 0);
	ASSERT_EQ(mics.configure(makeFormat({SPA_AUDIO_CHANNEL_MONO})), 0);
	ASSERT_EQ(mics.command(SPA_NODE_COMMAND_Start), 0);

	std::uint32_t cycle = 0;
	std::size_t wrong = 0;
	std::string firstWrong;
	bool ran = runCycles(mics, kCycles, [&] {
		spa_io_buffers &io = mics.io();
		ASSERT_EQ(mics.lastReady, SPA_STATUS_HAVE_DATA);
		ASSERT_EQ(io.status, SPA_STATUS_HAVE_DATA);
		ASSERT_LT(io.buffer_id, kBuffers);
		ASSERT_EQ(mics.clock().position, std::uint64_t{cycle} * kQuantum);
		TestBuffer &buffer = mics.buffer(io.buffer_id);
		ASSERT_EQ(buffer.chunks[0].offset, 0u);
		ASSERT_EQ(buffer.chunks[0].size, kQuantum * sizeof(float));
		const float *samples = buffer.plane(0);
		for (std::uint32_t i = 0; i < kQuantum; i++) {
			std::uint64_t frame = std::uint64_t{cycle} * kQuantum + i;
			if (samples[i] != expectedSample(frame) && wrong++ == 0)
				firstWrong = "frame " + std::to_string(frame) + ": " +
					     std::to_string(samples[i]) + ", expected " +
					     std::to_string(expectedSample(frame));
		}
		/* Consumed: hand the buffer back as the graph does, by asking for more. */
		io.status = SPA_STATUS_NEED_DATA;
		ASSERT_EQ(mics.process(), SPA_STATUS_OK);
		ASSERT_EQ(io.buffer_id, SPA_ID_INVALID);
		cycle++;
	});
	ASSERT_TRUE(ran);
	expectNoAllocations();
	EXPECT_EQ(wrong, 0u) << "first: " << firstWrong;
	EXPECT_EQ(mics.xruns, 0);

	EXPECT_EQ(mics.command(SPA_NODE_COMMAND_Pause), 0);
	gHost->dispatchMain();
	mics.close();
	EXPECT_EQ(gHost->logProblems(), logProblems_) << "the node logged warnings or errors";
}

} // namespace
} // namespace cabin::test
