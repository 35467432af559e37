package io.dreamscape.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The form's bounds are the validator's: at each bound the value passes, just beyond it fails. */
class ParameterSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static boolean valid(String name, double value, boolean integer) {
        ObjectNode n = JSON.createObjectNode();
        if (integer) n.put(name, (long) value); else n.put(name, value);
        try {
            DreamParameters.defaults().with(ParameterJson.parse(n.toString())).validated();
            return true;
        } catch (ParameterException e) {
            return false;
        }
    }

    @Test
    void numericBoundsMatchTheValidator() {
        int checked = 0;
        for (ParameterSchema f : ParameterSchema.FIELDS) {
            if (!f.kind().equals("integer") && !f.kind().equals("number")) continue;
            boolean integer = f.kind().equals("integer");
            double eps = integer ? 1 : 1e-6;
            if (f.minExclusive()) {
                assertFalse(valid(f.name(), f.min(), integer), f.name() + " = its exclusive minimum");
                assertTrue(valid(f.name(), f.min() + (integer ? 1 : 0.01), integer), f.name() + " just above its minimum");
            } else {
                assertTrue(valid(f.name(), f.min(), integer), f.name() + " = its minimum");
                assertFalse(valid(f.name(), f.min() - eps, integer), f.name() + " below its minimum");
            }
            assertTrue(valid(f.name(), f.max(), integer), f.name() + " = its maximum");
            assertFalse(valid(f.name(), f.max() + eps, integer), f.name() + " above its maximum");
            checked++;
        }
        assertEquals(7, checked);
    }

    @Test
    void everyFieldIsAParameterOfTheSchema() {
        var names = JSON.valueToTree(DreamParameters.defaults()).fieldNames();
        java.util.Set<String> all = new java.util.HashSet<>();
        names.forEachRemaining(all::add);
        for (ParameterSchema f : ParameterSchema.FIELDS) {
            assertTrue(all.contains(f.name()), f.name());
        }
    }
}
