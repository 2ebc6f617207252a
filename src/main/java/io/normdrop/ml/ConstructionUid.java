package io.normdrop.ml;

/**
 * Hands a stage's uid to the Spark ML constructors that read it before a Java subclass has any
 * fields. Spark's Scala traits create their params ({@code featuresCol}, {@code labelCol}, ...)
 * in the superclass constructor, each tagged with {@code uid()}; in Java that runs before the
 * subclass's uid field is assigned, so the params would belong to uid null and every
 * {@code set} of them would fail (SPARK-15605, the reason Spark dropped its Java example). A
 * stage calls {@link #offer} in its constructor's {@code this(...)} argument, answers
 * {@code uid()} with {@link #pending} until its own field is set, and then {@link #take}s it.
 */
final class ConstructionUid {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private ConstructionUid() {
    }

    /** What a constructor passes on while the uid is pending. */
    static final class Token {
        private Token() {
        }
    }

    /** Holds {@code uid} for the constructor about to run on this thread. */
    static Token offer(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("a stage needs a uid, got " + (uid == null ? "null" : "\"\""));
        }
        PENDING.set(uid);
        return new Token();
    }

    /** The uid of the stage being constructed on this thread. */
    static String pending() {
        return PENDING.get();
    }

    /** The uid of the stage being constructed, no longer pending. */
    static String take(Token token) {
        String uid = PENDING.get();
        PENDING.remove();
        return uid;
    }
}
