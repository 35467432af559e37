package io.dreamscape.job;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.log.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobModelTest {

    @Test
    void statesOnlyMoveForwardAndFailFromAnyUnfinishedState() {
        assertTrue(JobState.RECEIVED.canMoveTo(JobState.VALIDATED));
        assertTrue(JobState.PLANNED.canMoveTo(JobState.ASSEMBLING));
        assertFalse(JobState.DREAMING.canMoveTo(JobState.PLANNED));
        assertFalse(JobState.DREAMING.canMoveTo(JobState.DREAMING));
        for (JobState s : JobState.values()) {
            assertEquals(!s.isTerminal(), s.canMoveTo(JobState.FAILED), s.name());
            assertFalse(JobState.COMPLETED.canMoveTo(s));
            assertFalse(JobState.FAILED.canMoveTo(s));
        }
        assertEquals(Set.of(JobState.RECEIVED, JobState.VALIDATED, JobState.PLANNED, JobState.DREAMING),
                JobState.predecessorsOf(JobState.ASSEMBLING));
    }

    @Test
    void jobIdsAre128RandomBits() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) ids.add(JobId.random().value());
        assertEquals(1000, ids.size());
        assertTrue(ids.iterator().next().matches("[0-9a-f]{32}"));
        assertThrows(IllegalArgumentException.class, () -> JobId.of("../etc"));
    }

    @Test
    void contentKeyIgnoresTheVersionWhenTheBytesAreTheSame() {
        Source a = new Source("b", "uploads/x.jpg", "v1", "etag", 1);
        Source b = new Source("b", "uploads/x.jpg", "v2", "etag", 1);
        Source c = new Source("b", "uploads/x.jpg", "v1", "other", 1);
        assertEquals(a.contentKey(), b.contentKey());
        assertNotEquals(a.contentKey(), c.contentKey());
        assertNotEquals(a.contentKey(), new Source("b", "uploads/y.jpg", "v1", "etag", 1).contentKey());
    }

    @Test
    void outputsMirrorTheUploadLayoutInAFolderOfTheirOwn() {
        JobId id = JobId.of("3f9a1c2b04de" + "0".repeat(20));
        assertEquals("classic/cat", StorageLayout.outputName("uploads/classic/cat.JPG"));
        assertEquals("a.b", StorageLayout.outputName("uploads/a.b.png"));
        StorageLayout.Outputs o = StorageLayout.outputs("uploads/classic/cat.JPG", id);
        assertEquals("outputs/classic/cat.JPG-3f9a1c2b04de/", o.prefix());
        assertEquals("outputs/classic/cat.JPG-3f9a1c2b04de/cat.dream.jpg", o.image());
        assertEquals("outputs/classic/cat.JPG-3f9a1c2b04de/cat.preview.jpg", o.preview());
        assertEquals("outputs/classic/cat.JPG-3f9a1c2b04de/cat.thumb.jpg", o.thumb());
        assertEquals("outputs/a.b.png-3f9a1c2b04de/a.b.dream.jpg", StorageLayout.outputs("uploads/a.b.png", id).image());
    }

    @Test
    void aPresetOnAnotherNetworkPicksTheLayerAtTheSameRelativeDepth() {
        java.util.List<String> mobile = java.util.List.of("a", "b", "c", "d", "e");
        DreamParameters classic = DreamParameters.defaults().with(
                new ParameterOverrides("x.pt", null, "classic", null, null, null, null, null, null, null, null, null, null));
        assertEquals("inception4c", classic.layers().get(0).name(), "the preset's layers are laid into the parameters");
        assertEquals("d", LayerSelection.resolve(classic, mobile).get(0).name(), "0.66 of the way down");
        DreamParameters animalist = DreamParameters.defaults().with(
                new ParameterOverrides("x.pt", null, "animalist", null, null, null, null, null, null, null, null, null, null));
        assertEquals("e", LayerSelection.resolve(animalist, mobile).get(0).name());
        // explicit layers are still checked
        DreamParameters explicit = DreamParameters.defaults().with(new ParameterOverrides("x.pt",
                java.util.List.of(LayerWeight.parse("zz")), "classic", null, null, null, null, null, null, null, null, null, null));
        assertThrows(ParameterException.class, () -> LayerSelection.resolve(explicit, mobile));
    }

    @Test
    void noTwoJobsShareAnOutputKey() {
        JobId one = JobId.random();
        JobId two = JobId.random();
        // same name, other extension (different pictures): other folders
        assertNotEquals(StorageLayout.outputPrefix("uploads/eagle.jpg", one), StorageLayout.outputPrefix("uploads/eagle.png", one));
        // re-upload of the same key (a new job): other folders
        assertNotEquals(StorageLayout.outputs("uploads/kite.jpg", one).image(), StorageLayout.outputs("uploads/kite.jpg", two).image());
        // and every key of a job lies under its prefix
        StorageLayout.Outputs o = StorageLayout.outputs("uploads/kite.jpg", one);
        for (String k : java.util.List.of(o.image(), o.preview(), o.thumb())) assertTrue(k.startsWith(o.prefix()), k);
    }

    @Test
    void percentNeverExceeds100AndEtaFollowsTheRate() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Job j = new Job(JobId.random(), "k", new Source("b", "uploads/a.jpg", null, "e", 1), JobState.DREAMING, start, start,
                "JPEG", 10, 10, null, "a", 1000, 250, 0, null, null, null, start, start, null, null, null, null, null);
        assertEquals(25.0, j.percent());
        assertEquals(300L, j.etaSeconds(start.plusSeconds(100)));
        Job over = new Job(j.jobId(), "k", j.source(), JobState.DREAMING, start, start, "JPEG", 10, 10, null, "a", 1000,
                1500, 0, null, null, null, start, start, null, null, null, null, null);
        assertEquals(100.0, over.percent());
    }

    @Test
    void everyLogLineIsJsonWithTheJobId() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonLog.redirect(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            JsonLog log = JsonLog.of("test");
            log.info("before the id is known");
            log.with("jobId", "abc").warn("with id", "n", 3);
        } finally {
            JsonLog.redirect(System.out);
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{") && lines[0].contains("\"jobId\":null"), lines[0]);
        assertTrue(lines[1].contains("\"jobId\":\"abc\"") && lines[1].contains("\"n\":3"), lines[1]);
    }
}
