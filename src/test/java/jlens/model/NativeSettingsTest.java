package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlens.Fixture;
import org.junit.jupiter.api.Test;

/** Loading a model makes the native settings: oneDNN's cache capacity in the process environment, malloc's thresholds. */
class NativeSettingsTest {
    @Test
    void theCacheCapacityIsInTheProcessEnvironmentAndMallocIsTunedOnceAModelIsLoaded() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            assertTrue(model.config().nLayer() > 0);
        }
        assertTrue(NativeSettings.cacheBounded());
        String user = System.getenv(NativeSettings.CACHE_VARIABLE); // a value the user set is kept
        assertEquals(user != null ? user : Integer.toString(NativeSettings.CACHE_CAPACITY), NativeSettings.cacheCapacityInEnvironment());
        boolean userMalloc = NativeSettings.MALLOC_VARIABLES.stream().anyMatch(name -> System.getenv(name) != null);
        assertEquals(!userMalloc, NativeSettings.mallocTuned(), "glibc's mallopt on Linux, unless the environment sets malloc");
    }
}
