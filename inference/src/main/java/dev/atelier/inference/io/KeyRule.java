package dev.atelier.inference.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One key-renaming rule between a canonical (diffusers / transformers) template and a stored template.
 *
 * <p>Template syntax: literal text with placeholders. {@code {*}} matches any rest of the key (at most one per
 * template, carried over unchanged). In the canonical template {@code {name}} is an integer variable. In the stored
 * template a placeholder is an integer expression over the variables and the mapper's parameters with {@code +},
 * {@code -}, {@code *} (e.g. {@code {b*G+r}}, {@code {2*r}}). {@code where} bounds variables: {@code "r": "G-1"}
 * means {@code 0 <= r < G-1}. Stored → canonical solves the expressions by trying small integers (keys hold small
 * block indices), so a rule must be one-to-one within its bounds.
 */
final class KeyRule {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");

    private final String canonical;
    private final String stored;
    private final Map<String, String> where;
    private final Pattern canonicalPattern;
    private final List<String> canonicalSlots = new ArrayList<>();
    private final Pattern storedPattern;
    private final List<String> storedSlots = new ArrayList<>();

    KeyRule(String canonical, String stored, Map<String, String> where) {
        this.canonical = canonical;
        this.stored = stored;
        this.where = where == null ? Map.of() : where;
        this.canonicalPattern = compile(canonical, canonicalSlots);
        this.storedPattern = compile(stored, storedSlots);
        for (String s : canonicalSlots) {
            if (!s.equals("*") && !s.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("canonical template '" + canonical + "': {" + s + "} must be a "
                        + "lower-case variable or {*}");
            }
        }
    }

    String canonical() {
        return canonical;
    }

    String stored() {
        return stored;
    }

    private static Pattern compile(String template, List<String> slots) {
        StringBuilder re = new StringBuilder("^");
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(template.substring(last, m.start())));
            String slot = m.group(1).replace(" ", "");
            slots.add(slot);
            re.append(slot.equals("*") ? "(.*)" : "(\\d+)");
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last))).append('$');
        return Pattern.compile(re.toString());
    }

    /** The stored key for {@code key} (canonical), or {@code null} when the rule does not apply. */
    String toStored(String key, Map<String, Long> params) {
        Matcher m = canonicalPattern.matcher(key);
        if (!m.matches()) {
            return null;
        }
        Map<String, Long> vars = new HashMap<>(params);
        String rest = null;
        for (int i = 0; i < canonicalSlots.size(); i++) {
            String s = canonicalSlots.get(i);
            if (s.equals("*")) {
                rest = m.group(i + 1);
            } else {
                long v = Long.parseLong(m.group(i + 1));
                Long prev = vars.put(s, v);
                if (prev != null && prev != v) {
                    return null; // the same variable twice with different values, or a clash with a parameter
                }
            }
        }
        if (!withinBounds(vars)) {
            return null;
        }
        return fill(stored, vars, rest);
    }

    /** The canonical key for {@code key} (stored), or {@code null} when the rule does not apply. */
    String toCanonical(String key, Map<String, Long> params) {
        Matcher m = storedPattern.matcher(key);
        if (!m.matches()) {
            return null;
        }
        String rest = null;
        Map<String, Long> targets = new LinkedHashMap<>();
        long maxValue = 0;
        for (int i = 0; i < storedSlots.size(); i++) {
            String s = storedSlots.get(i);
            if (s.equals("*")) {
                rest = m.group(i + 1);
            } else {
                long v = Long.parseLong(m.group(i + 1));
                Long prev = targets.put(s, v);
                if (prev != null && prev != v) {
                    return null;
                }
                maxValue = Math.max(maxValue, v);
            }
        }
        List<String> unknowns = new ArrayList<>();
        for (String s : canonicalSlots) {
            if (!s.equals("*") && !unknowns.contains(s)) {
                unknowns.add(s);
            }
        }
        Map<String, Long> vars = new HashMap<>(params);
        Map<String, Long> solved = solve(unknowns, 0, vars, targets, maxValue);
        return solved == null ? null : fill(canonical, solved, rest);
    }

    private Map<String, Long> solve(List<String> unknowns, int k, Map<String, Long> vars, Map<String, Long> targets,
                                    long max) {
        if (k == unknowns.size()) {
            if (!withinBounds(vars)) {
                return null;
            }
            for (Map.Entry<String, Long> t : targets.entrySet()) {
                if (Expr.eval(t.getKey(), vars) != t.getValue()) {
                    return null;
                }
            }
            return new HashMap<>(vars);
        }
        String v = unknowns.get(k);
        Long direct = targets.get(v);
        if (direct != null) {
            vars.put(v, direct);
            Map<String, Long> r = solve(unknowns, k + 1, vars, targets, max);
            vars.remove(v);
            return r;
        }
        for (long x = 0; x <= max; x++) {
            vars.put(v, x);
            Map<String, Long> r = solve(unknowns, k + 1, vars, targets, max);
            if (r != null) {
                vars.remove(v);
                return r;
            }
        }
        vars.remove(v);
        return null;
    }

    private boolean withinBounds(Map<String, Long> vars) {
        for (Map.Entry<String, String> w : where.entrySet()) {
            Long v = vars.get(w.getKey());
            if (v != null && (v < 0 || v >= Expr.eval(w.getValue(), vars))) {
                return false;
            }
        }
        return true;
    }

    private static String fill(String template, Map<String, Long> vars, String rest) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(template, last, m.start());
            String slot = m.group(1).replace(" ", "");
            out.append(slot.equals("*") ? rest : Long.toString(Expr.eval(slot, vars)));
            last = m.end();
        }
        return out.append(template.substring(last)).toString();
    }

    /** Integer expressions: terms joined by + and -, each a product of integers and names. */
    static final class Expr {
        private Expr() {}

        static long eval(String expr, Map<String, Long> vars) {
            long total = 0;
            int sign = 1;
            int start = 0;
            for (int i = 0; i <= expr.length(); i++) {
                char c = i < expr.length() ? expr.charAt(i) : '+';
                if ((c == '+' || c == '-') && i > start) {
                    total += sign * term(expr.substring(start, i), vars, expr);
                    sign = c == '+' ? 1 : -1;
                    start = i + 1;
                } else if ((c == '+' || c == '-') && i == start) {
                    sign = c == '-' ? -sign : sign;
                    start = i + 1;
                }
            }
            return total;
        }

        private static long term(String t, Map<String, Long> vars, String expr) {
            long p = 1;
            for (String f : t.split("\\*")) {
                if (f.matches("\\d+")) {
                    p *= Long.parseLong(f);
                } else {
                    Long v = vars.get(f);
                    if (v == null) {
                        throw new IllegalArgumentException("unknown name '" + f + "' in key expression '" + expr + "'");
                    }
                    p *= v;
                }
            }
            return p;
        }
    }

    @Override
    public String toString() {
        return canonical + " <-> " + stored;
    }
}
