package io.dreamscape.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterLayersTest {
    private static ParameterOverrides steps(int n) {
        return ParameterOverrides.builder().steps(n).build();
    }

    private static ParameterOverrides layers(String name) {
        return ParameterOverrides.builder().layers(List.of(LayerWeight.parse(name))).build();
    }

    private static String layer(DreamParameters p) {
        return p.layers().get(0).name();
    }

    @Test
    void laterLayersWinFieldByFieldInTheDocumentedOrder() {
        assertEquals(DreamParameters.DEFAULT_STEPS, ParameterLayers.NONE.resolve().steps());
        assertEquals(3, ParameterLayers.NONE.withSite(steps(3)).resolve().steps());
        assertEquals(4, ParameterLayers.NONE.withSite(steps(3)).withOwn(steps(4)).resolve().steps());
        assertEquals(5, ParameterLayers.NONE.withSite(steps(3)).withOwn(steps(4)).withFlags(steps(5)).resolve().steps());
        DreamParameters p = ParameterLayers.NONE.withSite(steps(3))
                .withOwn(ParameterOverrides.builder().octaves(2).build()).resolve();
        assertEquals(3, p.steps(), "a layer that leaves a field absent keeps the one below");
        assertEquals(2, p.octaves());
    }

    @Test
    void aPresetFolderDropsTheSiteDefaultsLayersButKeepsTheRest() {
        ParameterOverrides site = layers("conv2").then(steps(3));
        assertEquals("conv2", layer(ParameterLayers.NONE.withSite(site).resolve()));
        DreamParameters inFolder = ParameterLayers.NONE.withSite(site).withPresetFolder("classic").resolve();
        assertEquals("inception4c", layer(inFolder), "the preset's layers, not the site's");
        assertEquals(3, inFolder.steps());
        assertEquals("classic", inFolder.preset());
        assertEquals("animalist", ParameterLayers.NONE.withSite(ParameterOverrides.builder().preset("classic").build())
                .withPresetFolder("animalist").resolve().preset(), "the folder is laid over the site's defaults");
    }

    @Test
    void explicitLayersAboveAPresetBeatThePresetsLayers() {
        assertEquals("conv3", layer(ParameterLayers.NONE.withPresetFolder("classic").withOwn(layers("conv3")).resolve()));
        // dreamscape dream --params FILE (layers) --preset NAME: the named preset is expanded first, the file's layers
        // go on top (as before the layers were one function).
        assertEquals("conv3", layer(ParameterLayers.NONE.withOwn(layers("conv3"))
                .withFlags(ParameterOverrides.builder().preset("animalist").build()).resolve()));
    }

    @Test
    void resolveChecksEveryBound() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> ParameterLayers.NONE.withOwn(steps(0)).resolve());
        assertTrue(e.getMessage().startsWith("invalid parameters: steps is 0"), e.getMessage());
    }

    @Test
    void theBuilderSetsEachFieldByName() {
        ParameterOverrides o = ParameterOverrides.builder().tile(256).octaves(3).jitter(7).build();
        assertEquals(256, o.tile());
        assertEquals(3, o.octaves());
        assertEquals(7, o.jitter());
        assertEquals(ParameterOverrides.NONE, ParameterOverrides.builder().build());
        assertEquals(o, ParameterJson.parse(ParameterJson.write(o)), "the builder makes the record Jackson reads");
    }
}
