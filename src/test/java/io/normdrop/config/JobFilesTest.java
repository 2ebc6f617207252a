package io.normdrop.config;

import io.normdrop.testing.DataSources;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobFilesTest {
    static final String VALID = """
            data {
              train { images = "train-images.gz", labels = "train-labels.gz" }
              test { images = "test-images.gz", labels = "test-labels.gz" }
            }
            model.layers = [
              { type = dense, units = 32 }
              { type = dense, units = 16, activation = tanh, dropout { rate = 0.25 } }
              { type = output, units = 10, dropout { keep = 0.5 } }
            ]
            output.dir = "runs/test"
            """;

    static JobConfig valid(String... overrides) {
        return JobFiles.parse(VALID, List.of(overrides)).config();
    }

    static String error(String... overrides) {
        return assertThrows(ConfigException.class, () -> valid(overrides)).getMessage();
    }

    @Test
    void autoNormalizationStandardizesAllButImages() {
        assertEquals(Normalization.NONE, valid().data().normalization(), "idx: pixels as they are");
        assertEquals(Normalization.STANDARDIZE, valid("data.format=csv", "data.train.path=a.csv", "data.test.path=b.csv")
                .data().normalization());
        assertEquals(Normalization.NONE, valid("data.format=csv", "data.train.path=a.csv", "data.test.path=b.csv",
                "data.shape=[1,28,28]").data().normalization(), "csv of images");
        assertEquals(Normalization.MINMAX, valid("data.format=csv", "data.train.path=a.csv", "data.test.path=b.csv",
                "data.normalization=minmax").data().normalization());
    }

    @Test
    void validJobGetsDefaultsAndEffectiveDropout() {
        JobConfig c = valid();
        // training.epochs = 0 (auto): up to 200 epochs, early stopping on validation loss, a tenth held out.
        assertEquals(TrainingConfig.AUTO_EPOCHS, c.training().epochs());
        assertEquals(TrainingConfig.EarlyStopping.Metric.VALIDATION_LOSS, c.training().earlyStopping().metric());
        assertEquals(0.1, c.data().validation().fraction());
        assertEquals(10, valid("training.epochs=10").training().epochs());
        assertFalse(valid("training.epochs=10").training().earlyStopping().enabled(), "a number trains that many epochs");
        assertFalse(valid("training.epochs=10").data().validation().exists());
        assertEquals(42L, c.training().seed());
        assertEquals(UpdaterSpec.Kind.ADAM, c.training().updater().kind());
        assertEquals(TrainingApproach.DIRECT, c.training().approach());
        assertEquals(TrainingMasterKind.ALLREDUCE, c.training().master());
        assertEquals(0, c.training().reshuffleEvery());
        assertEquals(TrainingMasterKind.PARAMETER_AVERAGING, valid("training.master=parameter-averaging",
                "training.approach=export").training().master());
        assertEquals(64, c.data().batchSize());
        LayerSpec first = c.model().layers().get(0);
        assertEquals(Activation.RELU, first.activation());
        assertEquals(WeightInit.XAVIER, first.weightInit());
        assertFalse(first.dropout().active());
        assertNull(first.loss());
        assertEquals(0.75, c.model().layers().get(1).dropout().keep(), 0.0);
        LayerSpec out = c.model().layers().get(2);
        assertEquals(Activation.SOFTMAX, out.activation());
        assertEquals(LossFunction.MCXENT, out.loss());
        assertEquals(0.5, out.dropout().keep(), 0.0);
        assertEquals(10, c.model().numClasses());
        assertEquals("runs/test", c.output().dir());
        assertNull(c.spark().master());
    }

    @Test
    void overridesReachListElementsAndNestedKeys() {
        JobConfig c = valid("model.layers[0].units=128", "model.layers.1.dropout.rate=0.5", "training.epochs=3",
                "training.updater.type=sgd", "spark.conf.spark.executor.memory=4g");
        assertEquals(128, c.model().layers().get(0).units());
        assertEquals(0.5, c.model().layers().get(1).dropout().keep(), 0.0);
        assertEquals(3, c.training().epochs());
        assertEquals(UpdaterSpec.Kind.SGD, c.training().updater().kind());
        assertEquals(Map.of("spark.executor.memory", "4g"), c.spark().conf());
    }

    @Test
    void weightNormLayersAndDataInit() {
        JobConfig c = valid("model.layers[0].type=weightnorm-dense", "model.layers[2].type=weightnorm-output",
                "model.dataInit.enabled=true", "model.dataInit.examples=256");
        assertEquals(LayerKind.WEIGHTNORM_DENSE, c.model().layers().get(0).kind());
        assertEquals(LayerKind.WEIGHTNORM_OUTPUT, c.model().layers().get(2).kind());
        assertEquals(LossFunction.MCXENT, c.model().layers().get(2).loss());
        assertEquals(Activation.SOFTMAX, c.model().layers().get(2).activation());
        assertTrue(c.model().dataInit().enabled());
        assertEquals(256, c.model().dataInit().examples());
        assertFalse(valid().model().dataInit().enabled());
    }

    @Test
    void keepOneMeansNoDropout() {
        assertFalse(valid("model.layers[1].dropout={ keep = 1.0 }").model().layers().get(1).dropout().active());
        assertFalse(valid("model.layers[1].dropout={ rate = 0 }").model().layers().get(1).dropout().active());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            trainin.epochs=3                      | trainin: unknown key (did you mean training?
            training.epoch=3                      | training.epoch: unknown key (did you mean epochs?
            model.layers[0].unit=3                | model.layers[0].unit: unknown key (did you mean units?
            model.layers[0].dropout={ p = 0.5 }   | model.layers[0].dropout.p: unknown key (dropout takes keep or rate)
            training.epochs=-1                    | training.epochs: invalid value -1 (must be >= 0)
            training.epochs=ten                   | training.epochs: invalid value "ten" (expected a whole number)
            training.seed=1.5                     | training.seed: invalid value 1.5 (expected a whole number)
            training.workers=-1                   | training.workers: invalid value -1 (must be >= 0)
            training.batchSizePerWorker=0         | training.batchSizePerWorker: invalid value 0 (must be >= 1)
            training.averagingPeriod=0         | training.averagingPeriod: invalid value 0 (must be >= 1)
            training.prefetch=-1                  | training.prefetch: invalid value -1 (must be >= 0)
            training.l2=-0.1                      | training.l2: invalid value -0.1 (must be a finite number >= 0)
            training.updater.learningRate=0       | training.updater.learningRate: invalid value 0.0 (must be a finite number > 0)
            training.updater.momentum=1           | training.updater.momentum: invalid value 1.0 (must be in [0, 1))
            training.updater.type=adagrad         | training.updater.type: invalid value "adagrad" (one of: sgd, adam, nesterovs, rmsprop)
            training.approach=shared              | training.approach: invalid value "shared" (one of: direct, export)
            training.approach=export              | training.approach: invalid value "export" (export needs training.master = parameter-averaging (the allreduce master reads the RDD directly))
            training.master=shared                | training.master: invalid value "shared" (one of: allreduce, resident, parameter-averaging)
            training.reshuffleEvery=-1            | training.reshuffleEvery: invalid value -1 (must be >= 0)
            training.threadsPerWorker=-1          | training.threadsPerWorker: invalid value -1 (must be >= 0)
            data.format=orc                       | data.format: invalid value "orc" (one of: idx, csv, libsvm, parquet)
            data.format=csv                       | data.train.path: is required (a file, directory or glob) for data.format = csv
            data.csv.delimiter=";;"               | data.csv.delimiter: invalid value ";;" (one character other than a quote or newline)
            data.csv.label=species                | data.csv.label: invalid value "species" (a column index (0, 1, ...); a column name needs data.csv.header = true)
            data.onBadRecord=ignore               | data.onBadRecord: invalid value "ignore" (one of: fail, skip)
            data.maxBadFraction=1.5               | data.maxBadFraction: invalid value 1.5 (must be in [0, 1])
            data.normalization=zscore             | data.normalization: invalid value "zscore" (one of: auto, none, standardize, minmax)
            data.features=-1                      | data.features: invalid value -1 (must be >= 0)
            data.classes=1                        | data.classes: invalid value 1 (0 (infer) or at least 2)
            data.classes=3                        | data.classes: invalid value 3 (must equal the output layer's units (10), or leave one of them out)
            model.layers[2].units=0               | model.layers[2].units: invalid value 0 (must be >= 1)
            data.batchSize=0                      | data.batchSize: invalid value 0 (must be >= 1)
            data.train.images=null                | data.train.images: is required
            data.test.labels=null                 | data.test.labels: is required
            data.train.limit=-5                   | data.train.limit: invalid value -5 (must be >= 0)
            model.layers=[]                       | model.layers: needs at least one layer, the last of type output
            model.layers=[{type=dense,units=3}]   | model.layers[0].type: invalid value "dense" (the last layer must be of type output or weightnorm-output)
            model.layers[0].type=output           | model.layers[0].type: invalid value "output" (only the last layer may be an output layer)
            model.layers[0].type=weightnorm-output| model.layers[0].type: invalid value "weightnorm-output" (only the last layer may be an output layer)
            model.layers[0].type=conv             | model.layers[0].type: invalid value "conv" (one of: dense, output, weightnorm-dense, weightnorm-output, conv2d, weightnorm-conv2d, subsampling)
            model.dataInit.enabled=true           | model.dataInit.enabled: needs at least one weightnorm-dense, weightnorm-conv2d or weightnorm-output layer
            model.layers[0]={type=conv2d}         | model.layers[0].channels: is required (number of output channels)
            model.layers[0]={type=conv2d,channels=0} | model.layers[0].channels: invalid value 0 (must be >= 1)
            model.layers[0]={type=conv2d,channels=8,units=8} | model.layers[0].units: a conv2d layer has no units (it takes activation, channels, dropout, kernel, mode, stride, type, weightInit)
            model.layers[0]={type=conv2d,channels=8,pooling=max} | model.layers[0].pooling: a conv2d layer has no pooling
            model.layers[0]={type=subsampling,channels=8} | model.layers[0].channels: a subsampling layer has no channels (it takes dropout, kernel, mode, pooling, stride, type)
            model.layers[0]={type=subsampling,activation=relu} | model.layers[0].activation: a subsampling layer has no activation
            model.layers[0].kernel=[3,3]          | model.layers[0].kernel: a dense layer has no kernel
            model.layers[0]={type=conv2d,channels=8,kernel=[3]} | model.layers[0].kernel: invalid value [3] (must be 2 whole numbers, each >= 1)
            model.layers[0]={type=conv2d,channels=8,kernel=[3,0]} | model.layers[0].kernel: invalid value [3, 0] (must be 2 whole numbers, each >= 1)
            model.layers[0]={type=conv2d,channels=8,kernel=3} | model.layers[0].kernel: invalid value 3 (expected a list of whole numbers, e.g. [3, 3])
            model.layers[0]={type=conv2d,channels=8,stride=[1,x]} | model.layers[0].stride[1]: invalid value "x" (expected a whole number)
            model.layers[0]={type=conv2d,channels=8,mode=valid} | model.layers[0].mode: invalid value "valid" (one of: truncate, same, strict)
            model.layers[0]={type=subsampling,pooling=min} | model.layers[0].pooling: invalid value "min" (one of: max, avg)
            model.layers[1]={type=conv2d,channels=4} | model.layers[1].type: invalid value "conv2d" (conv2d, weightnorm-conv2d and subsampling layers come first, before model.layers[0] (dense))
            model.layers[1]={type=subsampling}    | model.layers[1].type: invalid value "subsampling" (conv2d, weightnorm-conv2d and subsampling layers come first
            data.shape=[1,28]                     | data.shape: invalid value [1, 28] (must be 3 whole numbers, each >= 1)
            data.shape=[1,0,28]                   | data.shape: invalid value [1, 0, 28] (must be 3 whole numbers, each >= 1)
            data.shape=28                         | data.shape: invalid value 28 (expected a list of whole numbers, e.g. [3, 3])
            training.updater.schedule.type=linear | training.updater.schedule.type: invalid value "linear" (one of: none, step, exponential, cosine, plateau)
            training.updater.schedule.decay=0     | training.updater.schedule.decay: invalid value 0.0 (must be in (0, 1])
            training.updater.schedule.decay=1.5   | training.updater.schedule.decay: invalid value 1.5 (must be in (0, 1])
            training.updater.schedule.every=0     | training.updater.schedule.every: invalid value 0 (must be >= 1)
            training.updater.schedule.warmup=-1   | training.updater.schedule.warmup: invalid value -1 (must be >= 0)
            training.updater.schedule={type=cosine,minLearningRate=0.001} | training.updater.schedule.minLearningRate: invalid value 0.001 (must be below training.updater.learningRate (0.001))
            training.updater.schedule.sched=step  | training.updater.schedule.sched: unknown key
            training.averaging.warmupPeriod=0      | training.averaging.warmupPeriod: invalid value 0 (must be >= 1)
            training.averaging.warmupEpochs=-1    | training.averaging.warmupEpochs: invalid value -1 (must be >= 0)
            training.averaging.updaterState=keep  | training.averaging.updaterState: invalid value "keep" (one of: average, local, reset)
            training.averaging.every=20           | training.averaging.every: unknown key
            training={master=resident,averaging.warmupEpochs=1} | training.averaging.warmupEpochs: invalid value 1 (a warm-up schedule needs training.master = allreduce (the resident master cuts every epoch into rounds of one size))
            training={master=parameter-averaging,averaging.updaterState=reset} | training.averaging.updaterState: invalid value "reset" (needs training.master = allreduce or resident (dl4j-spark's master always averages the updater state))
            training.checkpoint.everyRounds=-1    | training.checkpoint.everyRounds: invalid value -1 (must be >= 0)
            training={master=resident,checkpoint.everyRounds=5} | training.checkpoint.everyRounds: invalid value 5 (needs training.master = allreduce (the resident master checkpoints at the end of every epoch only))
            training={averaging.updaterState=local,checkpoint.everyRounds=5} | training.checkpoint.everyRounds: invalid value 5 (needs training.averaging.updaterState = average or reset (with local, every worker's updater state is its own and not checkpointed inside an epoch))
            model.dataInit.enabled=yes            | model.dataInit.enabled: invalid value "yes" (expected true or false)
            model.dataInit.examples=1             | model.dataInit.examples: invalid value 1 (must be >= 2)
            model.layers[0].units=0               | model.layers[0].units: invalid value 0 (must be >= 1)
            model.layers[0].activation=relux     | model.layers[0].activation: invalid value "relux" (one of:
            model.layers[0].weightInit=gaussian   | model.layers[0].weightInit: invalid value "gaussian" (one of:
            model.layers[2].loss=hinge2           | model.layers[2].loss: invalid value "hinge2" (one of:
            model.layers[0].loss=mse              | model.layers[0].loss: a dense layer has no loss (it takes activation, dropout, type, units, weightInit)
            model.layers[0].dropout={ keep = 0 }  | model.layers[0].dropout.keep: invalid value 0.0 (must be in (0, 1])
            model.layers[0].dropout={ keep = 1.5 }| model.layers[0].dropout.keep: invalid value 1.5 (must be in (0, 1])
            model.layers[0].dropout={ rate = 1 }  | model.layers[0].dropout.rate: invalid value 1.0 (must be in [0, 1))
            model.layers[0].dropout={ rate = -0.1 }| model.layers[0].dropout.rate: invalid value -0.1 (must be in [0, 1))
            model.layers[0].dropout={ keep = 0.5, rate = 0.5 } | model.layers[0].dropout: give keep or rate, not both
            model.layers[0].dropout={}            | model.layers[0].dropout: give keep (retain probability) or rate (drop probability)
            model.layers[0].dropout=0.5           | model.layers[0].dropout: invalid value 0.5 (an object: { keep = P } or { rate = R })
            output.dir=null                       | output.dir: is required: set it in the job file or pass --out DIR
            spark.master=""                       | spark.master: invalid value "" (a Spark master URL
            spark.appName=""                      | spark.appName: is required
            spark.conf.executor.memory=4g         | spark.conf: invalid value "executor.memory" (keys are Spark properties starting with spark.)
            data.classNames=[a,b]                 | data.classNames: invalid value "2 names" (must name all 10 classes of the output layer, or be empty)
            data.classNames="shoes"               | data.classNames: invalid value "shoes" (expected a list of strings)
            data.classNames=[a,b,c,d,e,f,g,h,i,""] | data.classNames[9]: is required (a non-empty string)
            metrics.trainingStats=sometimes       | metrics.trainingStats: invalid value "sometimes" (expected true or false)
            metrics.pushgateway.url="pushgw:9091" | metrics.pushgateway.url: invalid value "pushgw:9091" (an http:// or https:// URL without user:password@, or null)
            metrics.pushgateway.url="https://u:pw@gw:9091" | metrics.pushgateway.url: invalid value "https://u:pw@gw:9091" (an http:// or https:// URL without user:password@, or null)
            metrics.pushgateway.username=ops      | metrics.pushgateway.username: basic auth needs its password from exactly one of metrics.pushgateway.passwordFile and metrics.pushgateway.passwordEnv
            metrics.pushgateway={username=ops, passwordFile=a, passwordEnv=B} | metrics.pushgateway.username: basic auth needs its password from exactly one of
            metrics.pushgateway.passwordEnv=PW    | metrics.pushgateway.username: a password is given but no user name
            metrics.pushgateway.passwordEnv="1PW" | metrics.pushgateway.passwordEnv: invalid value "1PW" (an environment variable name)
            metrics.pushgateway={url="http://gw:9091", caCertificate=ca.pem} | metrics.pushgateway.caCertificate: is for an https:// url
            metrics.pushgateway.password=hunter2  | metrics.pushgateway.password: unknown key; secrets do not belong in job files
            metrics.pushgateway.job=""            | metrics.pushgateway.job: is required
            metrics.pushgateway.timeoutSeconds=0  | metrics.pushgateway.timeoutSeconds: invalid value 0 (must be >= 1)
            metrics.textfileDir=""                | metrics.textfileDir: invalid value "" (a directory, or null)
            metrics.pushgatway.url="http://x"     | metrics.pushgatway: unknown key (did you mean pushgateway?
            output.runId="../x"                   | output.runId: invalid value "../x" (letters, digits, '.', '_' and '-', starting with a letter or digit, or auto, or null)
            output.runId=published                | output.runId: invalid value "published" (the name of the published copy)
            quality.minAccuracy=1.5               | quality.minAccuracy: invalid value 1.5 (must be in [0, 1])
            quality.maxDrop=-0.1                  | quality.maxDrop: invalid value -0.1 (must be in [0, 1])
            spark.conf={"spark.authenticate.secret"=x} | spark.conf.spark.authenticate.secret: secrets do not belong in job files
            """)
    void everyRuleNamesKeyValueAndRange(String override, String expected) {
        String message = error(override.trim());
        assertTrue(message.contains(expected.trim()), () -> "message was: " + message);
    }

    @Test
    void malformedOverridesAreUsageErrors() {
        assertTrue(error("epochs").contains("--set: expected key=value"));
        assertTrue(error("model.layers[7].units=3").contains("index 7 out of range: model.layers has 3 element(s)"));
    }

    @Test
    void errorsInAFileNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, VALID + "\ntraining {\n  epochs = -2\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> JobFiles.load(file, List.of()));
        assertTrue(e.getMessage().startsWith(file + ":13: training.epochs: invalid value -2"), e.getMessage());
    }

    @Test
    void missingOrUnparsableFilesAreConfigErrors(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.conf");
        assertTrue(assertThrows(ConfigException.class, () -> JobFiles.load(missing, List.of()))
                .getMessage().contains("no such file: " + missing));
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "training { epochs = ");
        assertTrue(assertThrows(ConfigException.class, () -> JobFiles.load(broken, List.of()))
                .getMessage().contains("broken.conf"));
    }

    @Test
    void recordsValidateWhateverBuildsThem() {
        UpdaterSpec sgd = new UpdaterSpec(UpdaterSpec.Kind.SGD, 0.1, 0);
        ConfigException e = assertThrows(ConfigException.class,
                () -> new TrainingConfig(1, 1, sgd, 0, 0, 32, 0, 0, TrainingApproach.DIRECT, TrainingMasterKind.RESIDENT, 0, 1,
                        AveragingSpec.DEFAULT, 0, TrainingConfig.EarlyStopping.OFF));
        assertEquals("training.averagingPeriod: invalid value 0 (must be >= 1)", e.getMessage());
        assertThrows(ConfigException.class, () -> new Dropout(0.0));
        assertThrows(ConfigException.class, () -> DataSources.idx("train", "", "labels", 0));
    }

    @Test
    void bundledJobsAreValid() {
        for (String job : List.of("jobs/quickstart.conf", "jobs/fashion-mnist.conf", "jobs/fashion-mnist-conv.conf")) {
            LoadedJob loaded = JobFiles.load(Path.of(job), List.of());
            assertEquals(10, loaded.config().model().numClasses(), job);
            assertTrue(loaded.renderHocon().contains("epochs"), job);
        }
    }

    @Test
    void convolutionLayersGetTheirKindsDefaults() {
        JobConfig c = valid("model.layers[0]={ type = weightnorm-conv2d, channels = 8 }",
                "model.layers[1]={ type = subsampling, pooling = avg, kernel = [3, 3] }", "data.shape=[1, 28, 28]");
        LayerSpec conv = c.model().layers().get(0);
        assertEquals(8, conv.units());
        assertEquals(List.of(3, 3), conv.window().kernel());
        assertEquals(List.of(1, 1), conv.window().stride());
        assertEquals(LayerSpec.Window.Mode.TRUNCATE, conv.window().mode());
        assertNull(conv.window().pooling());
        assertEquals(Activation.RELU, conv.activation());
        LayerSpec pool = c.model().layers().get(1);
        assertEquals(List.of(3, 3), pool.window().stride(), "subsampling strides by its kernel");
        assertEquals(LayerSpec.Window.Pooling.AVG, pool.window().pooling());
        assertEquals(new ImageShape(1, 28, 28), c.data().shape());
        assertNull(valid().data().shape(), "none given");
        assertTrue(c.model().takesImages());
        assertFalse(valid().model().takesImages());
        assertTrue(error("data.shape=[1, 28, 28]", "data.features=100")
                .contains("data.shape: invalid value [1, 28, 28] (it has 784 features, but data.features = 100)"));
    }

    @Test
    void aScheduleIsReadWithItsDefaults() {
        UpdaterSpec u = valid("training.updater.schedule={ type = step, every = 3 }").training().updater();
        assertEquals(UpdaterSpec.Schedule.Type.STEP, u.schedule().type());
        assertEquals(3, u.schedule().every());
        assertEquals(0.5, u.schedule().decay(), 0.0);
        assertEquals("adam 0.001 (step x0.5 every 3 epochs)", u.describe());
        assertTrue(valid().training().updater().schedule().constant());
        assertEquals("adam 0.001", valid().training().updater().describe());
    }

    @Test
    void theAveragingScheduleSwitchesFrequencyAfterTheWarmUpEpochs() {
        TrainingConfig t = valid("training.averagingPeriod=20",
                "training.averaging={ warmupPeriod = 2, warmupEpochs = 3, updaterState = local }").training();
        assertEquals(List.of(2, 2, 2, 20, 20), java.util.stream.IntStream.rangeClosed(1, 5).map(t::averagingPeriod).boxed().toList());
        assertEquals(AveragingSpec.UpdaterState.LOCAL, t.averaging().updaterState());
        assertEquals("every 2 for 3 epochs, then 20; updater state local", t.averaging().describe(20));
        TrainingConfig plain = valid().training();
        assertEquals(AveragingSpec.DEFAULT, plain.averaging(), "today's averaging by default");
        assertEquals(List.of(10, 10), List.of(plain.averagingPeriod(1), plain.averagingPeriod(2)));
        assertEquals("every 10", plain.averaging().describe(plain.averagingPeriod()));
    }

    @Test
    void theOldNamesOfTheAveragingPeriodStillWork(@TempDir Path dir) throws IOException {
        TrainingConfig set = valid("training.averagingFrequency=20", "training.averaging.warmupEvery=2",
                "training.averaging.warmupEpochs=1").training();
        assertEquals(List.of(2, 20), List.of(set.averagingPeriod(1), set.averagingPeriod(2)));
        Path file = dir.resolve("old.conf");
        Files.writeString(file, VALID + "training { averagingFrequency = 7, averaging.warmupEvery = 3 }\n");
        TrainingConfig read = JobFiles.load(file, List.of()).config().training();
        assertEquals(7, read.averagingPeriod());
        assertEquals(3, read.averaging().warmupPeriod());
        assertEquals(valid("training.averagingPeriod=7").training().averagingPeriod(), read.averagingPeriod());
        ConfigException both = assertThrows(ConfigException.class, () -> JobFiles.parse(VALID
                + "training { averagingFrequency = 7, averagingPeriod = 8 }\n", List.of()));
        assertTrue(both.getMessage().contains("training.averagingFrequency")
                && both.getMessage().contains("keep only training.averagingPeriod"), both.getMessage());
        assertTrue(error("training.averagingFrequencies=3").contains("unknown key"), "only the exact old name is an alias");
    }

    @Test
    void anOutputLayerWithoutUnitsTakesTheDataClasses() {
        JobConfig c = valid("model.layers[2]={ type = output }", "data.classNames=[a,b,c]");
        assertEquals(LayerSpec.UNITS_FROM_DATA, c.model().numClasses());
        assertEquals(0, c.knownClasses(), "left to the data");
        assertEquals(3, c.model().withClasses(3).numClasses());
        assertEquals(3, valid("model.layers[2]={ type = output }", "data.classes=3").knownClasses());
        assertEquals(10, valid().knownClasses(), "the output layer's units");
        assertTrue(error("model.layers[1]={ type = dense }").contains("model.layers[1].units: is required"));
    }
}
