package io.dreamscape.job;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes as people write them: {@code 512M}, {@code 20G}, {@code 1.5G}, {@code 4096} (bytes); K/M/G/T are powers of 1024. */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?\\s*", Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    /** Bytes of {@code text}; a {@link ParameterException} naming {@code what} when it is not a size. */
    public static long parse(String what, String text) {
        Matcher m = text == null ? null : SIZE.matcher(text);
        if (m == null || !m.matches()) {
            throw new ParameterException(what + " '" + text + "' is not a memory size; write e.g. 512M or 20G");
        }
        double v = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        double bytes = v * (1L << shift);
        if (bytes > Long.MAX_VALUE / 2) throw new ParameterException(what + " '" + text + "' is too large");
        return (long) bytes;
    }

    /** {@code 512M}, {@code 20G}: the largest unit that divides the size. */
    public static String format(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % (1L << shifts[i]) == 0) return (bytes >> shifts[i]) + units[i];
        }
        return Long.toString(bytes);
    }
}
