package io.normdrop.ml;

import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.Arrays;

/** Validators of the classifier's params; Spark keeps them with the params, so they are serializable. */
final class ParamChecks {
    private ParamChecks() {
    }

    static final class NotNull<T> extends AbstractFunction1<T, Object> implements Serializable {
        @Override
        public Object apply(T value) {
            return value != null;
        }
    }

    static final class AllPositive extends AbstractFunction1<int[], Object> implements Serializable {
        @Override
        public Object apply(int[] units) {
            return units != null && Arrays.stream(units).allMatch(u -> u >= 1);
        }
    }
}
