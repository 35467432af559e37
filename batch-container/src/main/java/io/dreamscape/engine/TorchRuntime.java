package io.dreamscape.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The libtorch settings the engine relies on, applied once before the first model call.
 *
 * <ul>
 * <li><b>One intra-op thread per model call.</b> Some CPU kernels (measured: the tiny fixture's convolutions on a
 * 2-core AMD EPYC without AVX2) split their work between OpenMP threads in a way that changes the last bits from run to
 * run; with one thread per call every result is bit-identical. The engine can run several windows at once on its own
 * threads ({@link #workers}; results do not depend on which thread ran them), though by default it runs one.
 * An explicit {@code OMP_NUM_THREADS} or {@code -Dai.djl.pytorch.num_threads} is respected (and then determinism is
 * whatever that thread count gives).</li>
 * <li><b>libtorch's C++ log below ERROR is silenced</b> unless {@code TORCH_CPP_LOG_LEVEL} is set: on CPUs without
 * AVX2, libtorch 2.7 logs "Could not initialize NNPACK! Reason: Unsupported hardware" on every convolution
 * (hundreds of lines per run) and NNPACK is not needed. One line says so through java.util.logging.</li>
 * </ul>
 */
public final class TorchRuntime {
    private static final Logger LOG = Logger.getLogger(TorchRuntime.class.getName());
    /** c10's GLOG_ERROR: messages below it are dropped by c10::MessageLogger. */
    private static final int LOG_LEVEL_ERROR = 2;
    private static volatile Engine engine;
    private static volatile boolean threadsPinned;

    private TorchRuntime() {
    }

    /** The PyTorch engine with the settings above applied (idempotent, thread-safe). */
    public static Engine engine() {
        Engine e = engine;
        if (e != null) return e;
        synchronized (TorchRuntime.class) {
            if (engine == null) {
                capOneDnnIsa();
                Engine loaded = Engine.getEngine("PyTorch");
                if (System.getenv("OMP_NUM_THREADS") == null && System.getProperty("ai.djl.pytorch.num_threads") == null) {
                    JniUtils.setNumThreads(1);
                    threadsPinned = true;
                }
                if (System.getenv("TORCH_CPP_LOG_LEVEL") == null) silenceWarnings();
                engine = loaded;
            }
            return engine;
        }
    }

    /** Whether model calls run with one intra-op thread (the deterministic setting). */
    public static boolean deterministicThreads() {
        engine();
        return threadsPinned;
    }

    /**
     * How many windows the engine computes at once: 1 by default on CPU and GPU. Measured on the 2-core machine
     * (docs/benchmarks.md): two windows at once (one libtorch thread each) gave no speed-up over one at a time
     * (MobileNetV2 1235 vs 1274 ms per Mpx·step; null model 81 vs 52) and raised the 25 MP peak from 826 to 1472 MiB
     * (two sets of activations). {@code DREAMSCAPE_ENGINE_THREADS=N} runs N at once; results stay bit-identical,
     * since each window's numbers do not depend on the thread that computed it.
     */
    public static int workers(Device device) {
        String env = System.getenv("DREAMSCAPE_ENGINE_THREADS");
        if (env != null && env.matches("[1-9][0-9]{0,2}")) return Integer.parseInt(env);
        return 1;
    }

    /**
     * Caps oneDNN (libtorch's CPU convolutions) at AVX2 kernels unless {@code ONEDNN_MAX_CPU_ISA} or
     * {@code DNNL_MAX_CPU_ISA} is set. Measured on the 2-core AMD EPYC with AVX-512 (notes/issue-13-crash.md): with
     * oneDNN's AVX-512 kernels the same dream run twice in one process gave different images (DreamEngineTest
     * sameSeedSameImage…), a batch of windows gave other gradients than the same windows one by one (DreamEnginePathsTest,
     * ChannelObjectiveTest, MultiDeviceTest), and long runs died with SIGSEGV inside oneDNN; with the cap all of
     * these tests pass. oneDNN reads the variable when it first picks kernels, so it is set here, before libtorch runs
     * anything (glibc's setenv, overwrite 0: an explicit setting wins). Hosts without AVX-512 run the same kernels.
     */
    private static void capOneDnnIsa() {
        if (System.getenv("ONEDNN_MAX_CPU_ISA") != null || System.getenv("DNNL_MAX_CPU_ISA") != null) return;
        try {
            NativeLibrary.getInstance("c").getFunction("setenv").invokeInt(new Object[] {"ONEDNN_MAX_CPU_ISA", "AVX2", 0});
        } catch (RuntimeException | LinkageError e) {
            LOG.info("could not cap oneDNN at AVX2 (" + e.getMessage() + "); set ONEDNN_MAX_CPU_ISA=AVX2");
        }
    }

    /** The current c10 log level (0 INFO, 1 WARNING, 2 ERROR), or -1 when it cannot be read. */
    public static int cppLogLevel() {
        engine();
        try {
            return c10().getGlobalVariableAddress("FLAGS_caffe2_log_level").getInt(0);
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    private static void silenceWarnings() {
        try {
            c10().getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, LOG_LEVEL_ERROR);
            LOG.fine("libtorch C++ log level set to ERROR (set TORCH_CPP_LOG_LEVEL to see its warnings)");
        } catch (RuntimeException | LinkageError e) {
            LOG.info("could not silence libtorch's C++ warnings (" + e.getMessage() + "); set TORCH_CPP_LOG_LEVEL=ERROR");
        }
    }

    private static NativeLibrary c10() {
        Path dir = Path.of(LibUtils.getLibtorchPath());
        Path lib = dir.resolve("libc10.so");
        // Already loaded by DJL: dlopen returns the same handle, so the flag we write is the one libtorch reads.
        return NativeLibrary.getInstance(Files.exists(lib) ? lib.toString() : "c10");
    }
}
