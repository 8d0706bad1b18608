package io.netsieve.core.nic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of capture points (source + {@link Nic}) that are analysed together; ids are the list indexes.
 * Immutable and thread-safe. Read one from a manifest with {@link CaptureManifest#read(Path)}, or make one from plain
 * files with {@link #ofFiles(List)}.
 */
public final class CaptureSet {
    private final List<CapturePoint> points;

    private CaptureSet(List<CapturePoint> points) {
        this.points = List.copyOf(points);
    }

    /** A capture set from (file, nic) pairs, ids assigned in order. */
    public static CaptureSet of(List<Path> files, List<Nic> nics) {
        if (files.size() != nics.size()) {
            throw new IllegalArgumentException(files.size() + " files but " + nics.size() + " nics");
        }
        List<CapturePoint> points = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            points.add(new CapturePoint(i, Objects.requireNonNull(files.get(i), "file"), nics.get(i)));
        }
        return new CaptureSet(points);
    }

    /** Plain capture files without metadata: each gets a default {@link Nic} named after the file. */
    public static CaptureSet ofFiles(List<Path> files) {
        List<Nic> nics = new ArrayList<>(files.size());
        for (Path f : files) {
            String name = f.getFileName().toString();
            int dot = name.lastIndexOf('.');
            nics.add(Nic.unnamed(dot > 0 ? name.substring(0, dot) : name));
        }
        return of(files, nics);
    }

    public List<CapturePoint> points() { return points; }

    public int size() { return points.size(); }

    public CapturePoint get(int id) { return points.get(id); }
}
