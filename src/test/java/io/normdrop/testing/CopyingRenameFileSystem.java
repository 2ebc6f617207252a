package io.normdrop.testing;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local file system that behaves like an object store ({@code copyrename:} paths): a file
 * appears whole when its writer closes (an object PUT), and a rename copies file after file and
 * then deletes the source, so a directory rename is not atomic. Every visible write (a file
 * closed, a file copied, a delete) spends one unit of {@link #BUDGET}; when it is spent the
 * operation fails with an IOException, so a test can stop a multi-step operation after any step.
 * Register with {@code fs.copyrename.impl}.
 */
public final class CopyingRenameFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "copyrename";
    /** Writes left before the next one fails; negative: no limit. */
    public static final AtomicInteger BUDGET = new AtomicInteger(-1);

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    private static void spend(String what) throws IOException {
        if (BUDGET.get() >= 0 && BUDGET.getAndDecrement() == 0) {
            BUDGET.set(0);
            throw new IOException("injected failure: " + what);
        }
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        return create(f, FsPermission.getFileDefault(), overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        if (!overwrite && exists(f)) {
            throw new org.apache.hadoop.fs.FileAlreadyExistsException(f + " exists");
        }
        Path part = new Path(f.getParent(), ".put-" + UUID.randomUUID());
        OutputStream out = super.create(part, permission, true, bufferSize, replication, blockSize, progress);
        return new FSDataOutputStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.close();
                try {
                    spend("put " + f);
                } catch (IOException e) {
                    CopyingRenameFileSystem.super.delete(part, false);
                    throw e;
                }
                CopyingRenameFileSystem.super.rename(part, f); // the object appears whole
            }
        }, statistics);
    }

    /** Copies {@code src} to {@code dst} file after file, then deletes {@code src}: not atomic. */
    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (!exists(src) || exists(dst)) {
            return false;
        }
        copy(src, dst);
        return delete(src, true);
    }

    private void copy(Path src, Path dst) throws IOException {
        FileStatus status = getFileStatus(src);
        if (status.isDirectory()) {
            mkdirs(dst);
            for (FileStatus child : listStatus(src)) {
                copy(child.getPath(), new Path(dst, child.getPath().getName()));
            }
            return;
        }
        spend("copy " + src);
        try (InputStream in = open(src); OutputStream out = super.create(dst, true)) {
            in.transferTo(out);
        }
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
        spend("delete " + p);
        return super.delete(p, recursive);
    }
}
