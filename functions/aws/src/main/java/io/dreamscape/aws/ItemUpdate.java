package io.dreamscape.aws;

import io.dreamscape.job.JobState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * An UpdateItem request under construction: {@code SET} and {@code ADD} clauses and a condition, with a placeholder
 * for every attribute name and value (so names such as {@code state} or {@code shard#3} need no escaping).
 */
final class ItemUpdate {
    private final Map<String, String> names = new LinkedHashMap<>();
    private final Map<String, AttributeValue> values = new LinkedHashMap<>();
    private final List<String> sets = new ArrayList<>();
    private final List<String> adds = new ArrayList<>();

    String name(String attribute) {
        if (attribute.equals("state")) {
            names.put("#state", "state");
            return "#state";
        }
        for (Map.Entry<String, String> e : names.entrySet()) {
            if (e.getValue().equals(attribute)) return e.getKey();
        }
        String placeholder = "#n" + names.size();
        names.put(placeholder, attribute);
        return placeholder;
    }

    String value(AttributeValue v) {
        String placeholder = ":v" + values.size();
        values.put(placeholder, v);
        return placeholder;
    }

    void set(String attribute, AttributeValue v) {
        sets.add(name(attribute) + " = " + value(v));
    }

    void setExpr(String attribute, String expression) {
        sets.add(name(attribute) + " = " + expression);
    }

    void add(String attribute, String valuePlaceholder) {
        adds.add(name(attribute) + " " + valuePlaceholder);
    }

    /**
     * The condition "the item exists and its state is one of {@code states}": how a rule the job model states as a set
     * of allowed states ({@code StateChange#allowedFrom}, {@code JobState#acceptingWork}) is checked atomically with
     * the write. {@code states} must not be empty ({@code IN ()} is not an expression).
     */
    String existsInState(Set<JobState> states) {
        List<String> in = new ArrayList<>();
        for (JobState st : states) {
            in.add(value(JobItem.s(st.name())));
        }
        return "attribute_exists(pk) AND " + name("state") + " IN (" + String.join(", ", in) + ")";
    }

    UpdateItemRequest request(String table, String pk, String condition) {
        name("state");
        StringBuilder expr = new StringBuilder();
        if (!sets.isEmpty()) expr.append("SET ").append(String.join(", ", sets));
        if (!adds.isEmpty()) expr.append(expr.isEmpty() ? "" : " ").append("ADD ").append(String.join(", ", adds));
        return UpdateItemRequest.builder().tableName(table).key(Map.of("pk", JobItem.s(pk)))
                .updateExpression(expr.toString()).conditionExpression(condition)
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
    }
}
