package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlens.Fixture;
import org.junit.jupiter.api.Test;

/** Loading a model puts oneDNN's primitive cache capacity in the process environment, where oneDNN reads it. */
class OneDnnCacheTest {
    @Test
    void theCapacityIsInTheProcessEnvironmentOnceAModelIsLoaded() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            assertTrue(model.config().nLayer() > 0);
        }
        assertTrue(OneDnnCache.bounded());
        String user = System.getenv(OneDnnCache.VARIABLE); // a value the user set is kept
        assertEquals(user != null ? user : Integer.toString(OneDnnCache.CAPACITY), OneDnnCache.capacityInEnvironment());
    }
}
