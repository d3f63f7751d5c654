package jlens.sys;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import java.util.Set;

/**
 * A folder only this user can use: a real folder (not a symbolic link), owned by this user, with no permission for
 * the group or others (0700). Anything jlens reads back from a shared place (a cache under the system's temporary
 * folder) must be in one, or another user could have put it there.
 */
public final class PrivateFolder {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private PrivateFolder() {}

    /**
     * Makes {@code dir} (0700) if it is missing and checks it; returns why it cannot be trusted, or empty when it
     * can. A folder that exists is never changed.
     */
    public static Optional<String> ensure(Path dir) {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // checked below, as found
        } catch (UnsupportedOperationException e) {
            return Optional.of("this file system has no owners and modes to check");
        } catch (IOException e) {
            return Optional.of("cannot create it (" + FileErrors.reason(e) + ")");
        }
        return problem(dir);
    }

    /** Why {@code dir} is not a folder only this user can use, or empty. */
    public static Optional<String> problem(Path dir) {
        if (Files.isSymbolicLink(dir)) {
            return Optional.of("it is a symbolic link");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of("it is not a folder");
        }
        if (!ownedByMe(dir)) {
            return Optional.of("another user owns it");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!mode.equals(OWNER_ONLY)) {
                return Optional.of("its mode is " + PosixFilePermissions.toString(mode) + ", not rwx------ (0700)");
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("its mode cannot be read");
        }
        return Optional.empty();
    }

    /** Whether this process's user owns {@code p} (the link itself for a symbolic link). */
    public static boolean ownedByMe(Path p) {
        try {
            Object uid = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Optional<Integer> mine = myUid();
            if (mine.isPresent()) {
                return mine.get().equals(uid);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            // no unix view: compare names below
        }
        try {
            UserPrincipal me = p.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
            return me.equals(Files.getOwner(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** The effective uid, read as the owner of {@code /proc/self} (Linux); empty elsewhere. */
    private static Optional<Integer> myUid() {
        try {
            return Optional.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException
                | ClassCastException e) {
            return Optional.empty();
        }
    }
}
