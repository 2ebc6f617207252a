package io.normdrop.ml;

import io.normdrop.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier's job param is text a saved pipeline carries: it may include nothing. */
class ClassifierJobTest {
    @Test
    void theJobParamIncludesNoUrlAndNoFile() {
        for (String include : new String[]{"include url(\"http://127.0.0.1:9/x.conf\")", "include file(\"/etc/hostname\")",
                "include \"x.conf\""}) {
            NormdropClassifier c = new NormdropClassifier().setJob(include + "\ntraining.epochs = 2");
            ConfigException e = assertThrows(ConfigException.class, () -> ClassifierJob.load(c));
            assertTrue(e.getMessage().startsWith("job: include "), e.getMessage());
            assertTrue(e.getMessage().contains(" refused: "), e.getMessage());
        }
        assertEquals(2, ClassifierJob.load(new NormdropClassifier().setJob("training.epochs = 2")).config().training().epochs());
    }
}
