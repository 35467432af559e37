package io.dreamscape.infrastructure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Just enough of a Dockerfile reader for the tests: instructions with their continuation lines joined, grouped by
 * stage. Not a general parser (no heredocs, no escape directive); the tests fail on what it does not understand.
 */
record Dockerfile(List<Stage> stages) {

    record Instruction(String keyword, String arguments) {
        @Override
        public String toString() {
            return keyword + " " + arguments;
        }
    }

    /** @param name the {@code AS} name, or null */
    record Stage(String from, String name, List<Instruction> instructions) {
    }

    static Dockerfile parse(String text) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.isEmpty())) {
                continue; // comments may sit between continuation lines, as Docker allows
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            String joined = current.toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            if (joined.isEmpty()) {
                continue;
            }
            int space = joined.indexOf(' ');
            String keyword = (space < 0 ? joined : joined.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : joined.substring(space + 1);
            if (keyword.equals("FROM")) {
                String[] parts = args.split(" ");
                String name = parts.length >= 3 && parts[parts.length - 2].equalsIgnoreCase("AS")
                        ? parts[parts.length - 1] : null;
                stages.add(new Stage(parts[0].startsWith("--") ? parts[1] : parts[0], name, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (!keyword.equals("ARG")) {
                    throw new IllegalArgumentException("instruction before the first FROM: " + joined);
                }
            } else {
                stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, args));
            }
        }
        return new Dockerfile(List.copyOf(stages));
    }

    /** The stage with this {@code AS} name; null for the last stage (the image itself). */
    Stage stage(String name) {
        if (name == null) {
            return stages.get(stages.size() - 1);
        }
        return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    /** A RUN instruction's shell command without its leading {@code --mount=…}/{@code --network=…} flags. */
    static String withoutRunFlags(String arguments) {
        String s = arguments.strip();
        while (s.startsWith("--")) {
            int space = s.indexOf(' ');
            s = space < 0 ? "" : s.substring(space + 1).strip();
        }
        return s;
    }
}
