package io.dreamscape.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The artist controls' fields in the one schema: mask, guide, normaliser and layer channels. */
class ArtistParameterTest {
    @Test
    void channelsAreWrittenAfterAHash() {
        LayerWeight l = LayerWeight.parse("inception4c#12,40:0.5");
        assertEquals("inception4c", l.name());
        assertEquals(List.of(12, 40), l.channels());
        assertEquals(0.5, l.weight());
        assertEquals("inception4c#12,40:0.5", l.toString());
        assertEquals(List.of(3), LayerWeight.parse("expanded_conv_3/expand#3").channels());
        assertEquals("expanded_conv_3/expand", LayerWeight.parse("expanded_conv_3/expand#3").name());
        assertEquals(List.of(), LayerWeight.parse("inception4c:2").channels());
    }

    @Test
    void badChannelsAreRefusedWithASentence() {
        assertTrue(assertThrows(ParameterException.class, () -> LayerWeight.parse("inception4c#a"))
                .getMessage().contains("channel 'a' is not a whole number"));
        assertTrue(assertThrows(ParameterException.class, () -> LayerWeight.parse("inception4c#-1"))
                .getMessage().contains("channel -1 is negative"));
        assertTrue(assertThrows(ParameterException.class, () -> LayerWeight.parse("inception4c#2,2"))
                .getMessage().contains("names a channel twice"));
    }

    @Test
    void maskGuideAndNormalizeTravelThroughJson() {
        DreamParameters p = DreamParameters.defaults()
                .with(ParameterJson.parse("{\"mask\": \"sky.png\", \"guide\": \"flowers.jpg\", \"normalize\": \"laplacian\","
                        + " \"layers\": [\"inception4c#1,2\"]}"))
                .validated();
        assertEquals("sky.png", p.mask());
        assertEquals("flowers.jpg", p.guide());
        assertEquals(Normalize.LAPLACIAN, p.normalize());
        assertEquals(List.of(1, 2), p.layers().get(0).channels());
        DreamParameters d = DreamParameters.defaults();
        assertNull(d.mask());
        assertNull(d.guide());
        assertEquals(Normalize.MEAN, d.normalize(), "the default stays google/deepdream's mean normaliser");
    }

    @Test
    void unknownNormaliserIsRefusedWithTheChoices() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> DreamParameters.defaults().with(ParameterJson.parse("{\"normalize\": \"max\"}")));
        assertTrue(e.getMessage().contains("normalize is 'max'; allowed \"mean\""), e.getMessage());
    }

    @Test
    void emptyMaskOrGuideIsRefused() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> DreamParameters.defaults().with(ParameterJson.parse("{\"mask\": \" \", \"guide\": \"\"}")).validated());
        assertTrue(e.getMessage().contains("mask is empty") && e.getMessage().contains("guide is empty"), e.getMessage());
    }
}
