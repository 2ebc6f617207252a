package io.normdrop.train;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.RequestMethod$;
import org.apache.spark.RequestToSync;
import org.apache.spark.SparkEnv;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcTimeout;
import org.apache.spark.util.RpcUtils;
import scala.Enumeration;
import scala.concurrent.Await;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.reflect.ClassTag$;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Synchronizations of a barrier stage's tasks, asked of Spark's barrier coordinator directly, as
 * {@link BarrierTaskContext#barrier()} does, because that method checks for the coordinator's
 * answer only once a second (Spark 3.5): a second per synchronization, where a round of this
 * network trains in a quarter of one. Like it, a waiting task checks every second whether Spark
 * has killed it (a failed peer fails the stage).
 */
final class BarrierSync {
    private static final RpcTimeout NO_TIMEOUT = new RpcTimeout(FiniteDuration.apply(365, TimeUnit.DAYS),
            "spark.barrier.sync.timeout");
    private static final FiniteDuration KILL_CHECK = FiniteDuration.apply(1, TimeUnit.SECONDS);

    private final BarrierTaskContext ctx;
    private final RpcEndpointRef coordinator;
    private int syncs;

    BarrierSync(BarrierTaskContext ctx) {
        this.ctx = ctx;
        SparkEnv env = SparkEnv.get();
        this.coordinator = RpcUtils.makeDriverRef("barrierSync", env.conf(), env.rpcEnv());
    }

    /** Waits for every task. */
    void barrier() {
        sync("", RequestMethod$.MODULE$.BARRIER());
    }

    /** Every task's {@code message}, by task. */
    String[] allGather(String message) {
        return sync(message, RequestMethod$.MODULE$.ALL_GATHER());
    }

    /** Synchronizations so far: each is one small message to the driver per task. */
    int count() {
        return syncs;
    }

    /** One synchronization of all tasks (the {@code syncs}-th of this stage attempt); every task's message. */
    String[] sync(String message, Enumeration.Value method) {
        RequestToSync request = RequestToSync.apply(ctx.numPartitions(), ctx.stageId(), ctx.stageAttemptNumber(),
                ctx.taskAttemptId(), syncs, ctx.partitionId(), message, method);
        Future<String[]> answer = coordinator.ask(request, NO_TIMEOUT, ClassTag$.MODULE$.apply(String[].class));
        while (true) {
            try {
                String[] messages = Await.result(answer, KILL_CHECK);
                syncs++;
                return messages;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ctx.killTaskIfInterrupted();
                throw new IllegalStateException("interrupted while synchronizing the workers", e);
            } catch (Exception e) {
                if (!(e instanceof TimeoutException)) {
                    throw new IllegalStateException("synchronizing the workers failed: " + e.getMessage(), e);
                }
                ctx.killTaskIfInterrupted();
            }
        }
    }
}
