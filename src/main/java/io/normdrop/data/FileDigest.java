package io.normdrop.data;

/**
 * A content digest of one input file, for provenance.
 *
 * @param path   the file as given in the job
 * @param bytes  size as stored
 * @param sha256 hex SHA-256 of the stored bytes
 */
public record FileDigest(String path, long bytes, String sha256) {
}
