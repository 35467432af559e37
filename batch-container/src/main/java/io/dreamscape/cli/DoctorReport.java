package io.dreamscape.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code dreamscape doctor} found: one line per check, each with the facts behind it. All is well when no check
 * failed; {@code INFO} lines report without judging (e.g. a fact the engine cannot tell yet).
 */
public record DoctorReport(List<Check> checks) {

    public enum Status { OK, INFO, WARN, FAIL }

    /** @param facts machine-readable details for {@code --json} (insertion-ordered) */
    public record Check(String name, Status status, String detail, Map<String, Object> facts) {
        public Check {
            facts = facts == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
        }
    }

    public DoctorReport {
        checks = List.copyOf(checks);
    }

    public boolean ok() {
        return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
    }

    public List<Check> failed() {
        return checks.stream().filter(c -> c.status() == Status.FAIL).toList();
    }

    public String human(String summaryWhenOk) {
        StringBuilder out = new StringBuilder("dreamscape doctor\n");
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(6);
        for (Check c : checks) {
            out.append(String.format(Locale.ROOT, "  %-5s %-" + width + "s  %s%n",
                    c.status().name().toLowerCase(Locale.ROOT), c.name(), c.detail()));
        }
        if (ok()) {
            out.append(summaryWhenOk).append('\n');
        } else {
            List<String> names = new ArrayList<>();
            failed().forEach(c -> names.add(c.name()));
            out.append("NOT READY: ").append(String.join(", ", names))
                    .append(" failed (see above); fix that before rendering.\n");
        }
        return out.toString();
    }

    public String json() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("ok", ok());
        var array = root.putArray("checks");
        for (Check c : checks) {
            ObjectNode n = array.addObject();
            n.put("name", c.name());
            n.put("status", c.status().name().toLowerCase(Locale.ROOT));
            n.put("detail", c.detail());
            n.set("facts", mapper.valueToTree(c.facts()));
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
