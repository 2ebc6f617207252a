package io.normdrop.bench;

import java.util.List;
import java.util.Locale;

/**
 * The scaling model of {@code src/site/markdown/scaling.md}: the epoch time of the allreduce
 * master on N workers from measured costs, evaluated for 8 to 256 workers on 10 and 25 Gbit/s
 * links, for the measured network and one {@code scale} times larger (fit per minibatch and bytes
 * per round both scaled).
 *
 * @param minibatchSeconds  t_mb: one minibatch of {@code batch} on one core
 * @param parameters        P; a worker exchanges V = 4 · 3P bytes a round (parameters and Adam's moments)
 * @param syncPerWorker     c_sync: a round's synchronizations, seconds per worker
 * @param copySeconds       t_copy: a round's in-memory copies of V
 * @param waitShare         t_wait at 2 workers and averaging every 20, as a share of a round's fit
 * @param epochSeconds      t_epoch at 2 workers: the epoch stage's start, broadcast and result
 */
record ScalingModel(double minibatchSeconds, long parameters, double syncPerWorker, double copySeconds, double waitShare,
                    double epochSeconds) {
    static final double RTT = 0.0002;
    static final int BATCH = 64;
    static final int EXAMPLES = 60_000;
    static final int PER_WORKER = 30_000;
    static final int[] FREQUENCIES = {5, 10, 20, 50, 100, 200, 500, 1000};

    /** One epoch: its wall time and the part of it the workers spend fitting. */
    record Epoch(double seconds, double fit, long examples) {
        double outsideFit() {
            return 1 - fit / seconds;
        }
    }

    double bytesPerRound(double scale) {
        return 4.0 * 3 * parameters * scale;
    }

    double roundSeconds(int workers, int frequency, double linkBytesPerSecond, double scale) {
        double fit = frequency * minibatchSeconds * scale;
        double wait = workers > 1 ? waitShare * Math.sqrt(20.0 / frequency) * fit * Math.sqrt(Math.log(workers) / Math.log(2)) : 0;
        double transfer = 2.0 * (workers - 1) / workers * bytesPerRound(scale) / linkBytesPerSecond;
        return syncPerWorker * workers + 2 * RTT + transfer + copySeconds * scale + wait;
    }

    /** An epoch of {@code perWorker} examples per worker, or of 60,000 in all when it is 0. */
    Epoch epoch(int workers, int frequency, double linkBytesPerSecond, double scale, int perWorker) {
        long examples = perWorker > 0 ? (long) perWorker * workers : EXAMPLES;
        long minibatches = (examples + (long) workers * BATCH - 1) / ((long) workers * BATCH);
        long rounds = (minibatches + frequency - 1) / frequency;
        double fit = minibatches * minibatchSeconds * scale;
        double averaging = workers > 1 ? rounds * roundSeconds(workers, frequency, linkBytesPerSecond, scale) : 0;
        double fixed = epochSeconds + Math.log(Math.max(workers, 2)) / Math.log(2) * 4.0 * parameters * scale / linkBytesPerSecond;
        return new Epoch(fit + averaging + fixed, fit, examples);
    }

    /**
     * An epoch of the 60,000 examples on this machine: no network between the workers, and
     * workers beyond the cores sharing them (their fit takes workers/cores times longer).
     */
    Epoch onOneMachine(int workers, int cores, int frequency) {
        Epoch e = epoch(workers, frequency, Double.POSITIVE_INFINITY, 1, 0);
        double share = Math.max(1.0, (double) workers / cores);
        return new Epoch(e.seconds() + e.fit() * (share - 1), e.fit() * share, e.examples());
    }

    /** The least averaging frequency keeping the time outside fit under 10 %, or "none". */
    String frequencyFor10Percent(int workers, double link, double scale, int perWorker) {
        for (int f : FREQUENCIES) {
            if (epoch(workers, f, link, scale, perWorker).outsideFit() <= 0.10) {
                return String.valueOf(f);
            }
        }
        return "none";
    }

    /** The projection tables, as on the scaling page. */
    String projections() {
        StringBuilder md = new StringBuilder();
        for (double scale : new double[]{1, 10}) {
            md.append(String.format(Locale.ROOT, "%n#### %s (%,d parameters, %.1f MB exchanged per worker per round)%n%n",
                    scale == 1 ? "This network" : "A network 10x larger", (long) (parameters * scale), bytesPerRound(scale) / 1e6));
            md.append("| workers | link | epoch s, 60,000 examples (strong) | speedup | outside fit | epoch s, 30,000 per worker "
                    + "(weak) | throughput x one worker | outside fit | averaging every N for < 10 % outside fit (strong / weak) |\n"
                    + "|---|---|---|---|---|---|---|---|---|\n");
            for (int workers : List.of(8, 16, 32, 64, 128, 256)) {
                for (int gbit : List.of(10, 25)) {
                    double link = gbit * 1e9 / 8;
                    Epoch one = epoch(1, 20, link, scale, 0);
                    Epoch strong = epoch(workers, 20, link, scale, 0);
                    Epoch weak = epoch(workers, 20, link, scale, PER_WORKER);
                    md.append(String.format(Locale.ROOT, "| %d | %d Gbit/s | %.2f | %.1fx | %.0f %% | %.2f | %.1fx | %.0f %% | %s / %s |%n",
                            workers, gbit, strong.seconds(), one.seconds() / strong.seconds(), 100 * strong.outsideFit(),
                            weak.seconds(), (weak.examples() / weak.seconds()) / (one.examples() / one.seconds()),
                            100 * weak.outsideFit(), frequencyFor10Percent(workers, link, scale, 0),
                            frequencyFor10Percent(workers, link, scale, PER_WORKER)));
                }
            }
        }
        return md.toString();
    }
}
