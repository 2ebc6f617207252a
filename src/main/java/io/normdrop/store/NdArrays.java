package io.normdrop.store;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.shape.options.ArrayOptionsHelper;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * ND4J's binary array format ({@code Nd4j.write}), checked before ND4J reads it. An array is a
 * shape-information buffer (rank, shape, strides, type flags, element-wise stride, order), then
 * the data buffer; each buffer is a header (allocation mode, element count, data type) and its
 * elements. {@code Nd4j.read} allocates whatever a header declares and builds the array from the
 * shape information as it stands, so a header can ask for gigabytes from a few bytes, and a shape
 * or strides larger than the data make native code read outside it. Checked here: a shape of at
 * most {@value #MAX_RANK} dimensions whose product is the data's element count, strides and
 * element-wise stride of a dense array in its order, type flags that agree with the data, and the
 * count the caller expects (the model's own parameter count).
 */
final class NdArrays {
    static final int MAX_RANK = 32;
    /** Bytes before an array's data: two headers and the shape information. */
    static final int MAX_PREFIX = 2 * (2 + 16 + 8 + 2 + 16) + (2 * MAX_RANK + 4) * Long.BYTES;
    private static final List<String> MODES = Arrays.stream(DataBuffer.AllocationMode.values()).map(Enum::name).toList();

    private NdArrays() {
    }

    /** What an array is refused for. */
    static final class Refused extends Exception {
        Refused(String why) {
            super(why);
        }
    }

    private record Header(long length, DataType type) {
    }

    /**
     * Checks the array that {@code in} starts with, reading at most {@link #MAX_PREFIX} bytes of
     * it (the caller marks and resets the stream around this).
     *
     * @param expected the element count it must have; -1: any
     * @return its element count
     */
    static long check(InputStream in, long expected) throws IOException, Refused {
        DataInputStream d = new DataInputStream(in);
        Header shape = header(d);
        if (shape.type != DataType.LONG && shape.type != DataType.INT || shape.length < 4 || shape.length > 2 * MAX_RANK + 4) {
            throw new Refused("its shape information is " + shape.length + " " + shape.type + " values");
        }
        long[] info = new long[(int) shape.length];
        for (int i = 0; i < info.length; i++) {
            info[i] = shape.type == DataType.LONG ? d.readLong() : d.readInt();
        }
        int rank = (int) info[0];
        if (info[0] < 0 || info[0] > MAX_RANK || info.length != 2 * rank + 4) {
            throw new Refused("its shape information declares rank " + info[0] + " in " + info.length + " values");
        }
        long elements = 1;
        for (int i = 1; i <= rank; i++) {
            if (info[i] < 0) {
                throw new Refused("its shape has a negative dimension " + info[i]);
            }
            try {
                elements = Math.multiplyExact(elements, info[i]);
            } catch (ArithmeticException e) {
                throw new Refused("its shape " + Arrays.toString(Arrays.copyOfRange(info, 1, rank + 1)) + " overflows");
            }
        }
        char order = (char) info[2 * rank + 3];
        if (order != 'c' && order != 'f') {
            throw new Refused("its order is " + info[2 * rank + 3] + ", neither c nor f");
        }
        long stride = 1;
        for (int k = 0; k < rank; k++) {
            int dim = order == 'c' ? rank - k : k + 1;
            if (info[dim] > 1 && info[rank + dim] != stride) {
                throw new Refused("its strides " + Arrays.toString(Arrays.copyOfRange(info, rank + 1, 2 * rank + 1))
                        + " are not those of a dense array of shape " + Arrays.toString(Arrays.copyOfRange(info, 1, rank + 1)));
            }
            stride *= Math.max(1, info[dim]);
        }
        if (elements > 1 && info[2 * rank + 2] != 1) {
            throw new Refused("its element-wise stride is " + info[2 * rank + 2] + ", not 1");
        }
        Header data = header(d);
        if (!data.type.isFPType()) {
            throw new Refused("it holds " + data.type + " values, not floating-point ones");
        }
        if (ArrayOptionsHelper.dataType(info[2 * rank + 1]) != data.type) {
            throw new Refused("its shape information says " + ArrayOptionsHelper.dataType(info[2 * rank + 1])
                    + " and its data " + data.type);
        }
        if (data.length != elements) {
            throw new Refused("it declares " + data.length + " values for a shape of " + elements);
        }
        if (expected >= 0 && data.length != expected) {
            throw new Refused("it declares " + data.length + " values, the network has " + expected);
        }
        return data.length;
    }

    private static Header header(DataInputStream d) throws IOException, Refused {
        String mode = d.readUTF();
        int ordinal = MODES.indexOf(mode);
        if (ordinal < 0) {
            throw new Refused("a buffer's allocation mode is '" + mode + "'");
        }
        // ND4J's own reader: the three oldest modes count elements in an int.
        long length = ordinal < 3 ? d.readInt() : d.readLong();
        String type = d.readUTF();
        DataType t;
        try {
            t = DataType.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw new Refused("a buffer's data type is '" + type + "'");
        }
        if (length < 0 || t.width() <= 0) {
            throw new Refused("a buffer declares " + length + " " + type + " values");
        }
        return new Header(length, t);
    }

    /**
     * Checks every array in {@code bytes}, a stream of several (a DL4J normalizer), wherever one
     * starts: each array's shape and data as {@link #check} does, and every buffer within the
     * bytes there are.
     */
    static void checkAll(byte[] bytes) throws Refused {
        for (int i = 0; i + 2 < bytes.length; i++) {
            int n = (bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff;
            if (n < 4 || n > 16 || i + 2 + n > bytes.length
                    || !MODES.contains(new String(bytes, i + 2, n, StandardCharsets.ISO_8859_1))) {
                continue;
            }
            try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(bytes, i, bytes.length - i))) {
                Header h = header(d);
                long available = d.available();
                if (h.length > available / Math.max(1, h.type.width())) {
                    throw new Refused("a buffer at byte " + i + " declares " + h.length + " " + h.type + " values in "
                            + available + " bytes");
                }
                if (h.type == DataType.LONG || h.type == DataType.INT) {
                    check(new ByteArrayInputStream(bytes, i, bytes.length - i), -1);
                }
            } catch (IOException e) {
                throw new Refused("an array at byte " + i + " is cut short");
            }
        }
    }
}
