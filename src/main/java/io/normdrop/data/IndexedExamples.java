package io.normdrop.data;

import scala.Tuple2;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The examples that {@code example} makes of an iterator's items (null: the item is left out),
 * keyed by consecutive indices from {@code first}, lazily and in order: how a partition's good
 * records, or one part of a split, become {@link LoadedData#examples}.
 */
final class IndexedExamples<T> implements Iterator<Tuple2<Long, Example>> {
    private final Iterator<T> in;
    private final Function<T, Example> example;
    private long index;
    private Example next;

    IndexedExamples(Iterator<T> in, Function<T, Example> example, long first) {
        this.in = in;
        this.example = example;
        this.index = first;
    }

    @Override
    public boolean hasNext() {
        while (next == null && in.hasNext()) {
            next = example.apply(in.next());
        }
        return next != null;
    }

    @Override
    public Tuple2<Long, Example> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Tuple2<Long, Example> t = new Tuple2<>(index++, next);
        next = null;
        return t;
    }
}
