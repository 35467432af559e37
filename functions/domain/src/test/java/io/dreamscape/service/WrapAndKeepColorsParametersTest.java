package io.dreamscape.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Source;
import io.dreamscape.job.Wrap;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Issue 14's wrap ("x" | "xy" | "none", booleans still read) and keepColors in the one parameter schema. */
class WrapAndKeepColorsParametersTest {
    static DreamParameters from(String json) {
        return DreamParameters.defaults().with(ParameterJson.parse(json)).validated();
    }

    @Test
    void wrapTakesAxesAndStillReadsBooleans() {
        assertEquals(Wrap.X, from("{\"wrap\": \"x\"}").wrap());
        assertEquals(Wrap.XY, from("{\"wrap\": \"xy\"}").wrap());
        assertEquals(Wrap.NONE, from("{\"wrap\": \"none\"}").wrap());
        assertEquals(Wrap.XY, from("{\"wrap\": true}").wrap(), "the boolean schema's true meant both axes");
        assertEquals(Wrap.NONE, from("{\"wrap\": false}").wrap());
        assertEquals(Wrap.NONE, DreamParameters.defaults().wrap());
        assertTrue(Wrap.X.horizontal() && !Wrap.X.vertical());
    }

    @Test
    void unknownWrapIsRefusedWithASentence() {
        ParameterException e = assertThrows(ParameterException.class, () -> from("{\"wrap\": \"diagonal\"}"));
        assertTrue(e.getMessage().contains("wrap is 'diagonal'; allowed \"x\""), e.getMessage());
        ParameterException n = assertThrows(ParameterException.class, () -> from("{\"wrap\": 3}"));
        assertTrue(n.getMessage().contains("wrap is '3'"), n.getMessage());
    }

    @Test
    void keepColorsIsAParameterAndDefaultsToOff() {
        assertFalse(DreamParameters.defaults().keepColors());
        assertTrue(from("{\"keepColors\": true}").keepColors());
        String json = ParameterJson.write(from("{\"wrap\": \"x\", \"keepColors\": true}"));
        assertTrue(json.contains("\"wrap\":\"x\""), json);
        assertTrue(json.contains("\"keepColors\":true"), json);
    }

    @Test
    void planCountsWindowsPerAxisAndOldPlansStayReadable() {
        DreamParameters p = from("{\"wrap\": \"x\", \"keepColors\": true, \"seed\": 4, \"tile\": 512, \"jitter\": 32}");
        // x wraps: the width's range is the width itself (2 windows of 512 for 1024); y mirrors: height + jitter
        assertEquals(2, OctaveSizes.windowsAcross(1024, p));
        assertEquals(3, OctaveSizes.windowsDown(1024, p));
        Plan plan = new Planner(PlannerConfig.DEFAULT).plan(JobId.random(), new Source("b", "uploads/x.jpg", null, "e", 1),
                "JPEG", 3000, 2000, p, Instant.parse("2026-01-01T00:00:00Z"));
        Plan back = Plan.fromJson(plan.toJson());
        assertEquals(Wrap.X, back.parameters().wrap());
        assertTrue(back.parameters().keepColors());
        // a plan.json written before issue 14: wrap a boolean, no keepColors
        String old = new String(plan.toJson(), StandardCharsets.UTF_8);
        assertTrue(old.contains("\"wrap\" : \"x\""), old);
        old = old.replace("\"wrap\" : \"x\"", "\"wrap\" : true").replaceAll(",\\s*\"keepColors\" : true", "");
        assertFalse(old.contains("keepColors"));
        DreamParameters read = Plan.fromJson(old.getBytes(StandardCharsets.UTF_8)).parameters();
        assertEquals(Wrap.XY, read.wrap());
        assertFalse(read.keepColors());
    }
}
