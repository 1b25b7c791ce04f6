package dev.atelier.inference.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the presets shipped in the engine jar ({@code presets/<name>.json}) and the {@code *.json} files of a user
 * folder (a user preset named like a shipped one replaces it). Never throws for a bad file: a bad field is reported
 * as a {@link PresetProblem} naming the file and the field and takes {@link Preset#DEFAULTS}' value; a file that is
 * not JSON, not an object, or of an unknown schema version is skipped with a problem.
 */
public final class PresetLoader {
    /** The presets shipped with Atelier, in the order the studio shows them. */
    public static final List<String> SHIPPED = List.of("quick-preview", "draft", "final", "turbo");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("schema_version", "name", "label", "description", "kinds", "weights",
            "steps", "cfg", "shift", "strength", "size", "loras", "$schema");
    private static final ObjectMapper JSON = new ObjectMapper();

    private PresetLoader() {}

    public static PresetCatalog loadShipped() {
        return load(null);
    }

    /** Shipped presets, then those of {@code userDir} (ignored when null or absent). */
    public static PresetCatalog load(Path userDir) {
        Map<String, Preset> presets = new LinkedHashMap<>();
        List<PresetProblem> problems = new ArrayList<>();
        for (String name : SHIPPED) {
            String resource = "presets/" + name + ".json";
            try (InputStream in = PresetLoader.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    problems.add(new PresetProblem(resource, "", "missing from the Atelier installation; reinstall"));
                    continue;
                }
                parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8), name, "builtin:" + resource, problems)
                        .ifPresent(p -> presets.put(p.name(), p));
            } catch (IOException e) {
                problems.add(new PresetProblem(resource, "", "cannot be read: " + e.getMessage()));
            }
        }
        if (userDir != null && Files.isDirectory(userDir)) {
            Set<String> userNames = new LinkedHashSet<>();
            List<Path> files;
            try (Stream<Path> s = Files.list(userDir)) {
                files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"))
                        .filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                problems.add(new PresetProblem(userDir.toString(), "", "folder cannot be listed: " + e.getMessage()));
                files = List.of();
            }
            for (Path f : files) {
                String label = f.toString();
                String stem = f.getFileName().toString().replaceFirst("(?i)\\.json$", "");
                try {
                    String text = Files.readString(f, StandardCharsets.UTF_8);
                    Optional<Preset> p = parse(label, text, stem, label, problems);
                    if (p.isPresent()) {
                        if (!userNames.add(p.get().name())) {
                            problems.add(new PresetProblem(label, "name", "'" + p.get().name()
                                    + "' is already used by another file of this folder; file skipped"));
                            continue;
                        }
                        presets.put(p.get().name(), p.get());
                    }
                } catch (IOException e) {
                    problems.add(new PresetProblem(label, "", "cannot be read (" + e.getMessage() + "); file skipped"));
                }
            }
        }
        return new PresetCatalog(presets, problems);
    }

    /** Parses one preset file's text; problems are appended to {@code problems}. */
    public static Optional<Preset> parse(String file, String text, String defaultName, String origin,
            List<PresetProblem> problems) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            problems.add(new PresetProblem(file, "", "not valid JSON" + where + " (" + e.getOriginalMessage()
                    + "); file skipped"));
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            problems.add(new PresetProblem(file, "", "not a JSON object; file skipped"));
            return Optional.empty();
        }
        Fields f = new Fields(file, root, problems);
        JsonNode sv = root.get("schema_version");
        if (sv == null) {
            f.problem("schema_version", "missing; read as version " + Preset.SCHEMA_VERSION);
        } else if (!sv.canConvertToExactIntegral() || sv.asInt() < 1) {
            f.problem("schema_version", sv + " is not a version number; file skipped");
            return Optional.empty();
        } else if (sv.asInt() > Preset.SCHEMA_VERSION) {
            f.problem("schema_version", sv.asInt() + " is newer than this Atelier reads (" + Preset.SCHEMA_VERSION
                    + "); file skipped — update Atelier");
            return Optional.empty();
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!FIELDS.contains(k)) {
                f.problem(k, "unknown field, ignored");
            }
        }
        Preset d = Preset.DEFAULTS;
        String name = f.name(defaultName);
        return Optional.of(new Preset(Preset.SCHEMA_VERSION, name, f.string("label", name, 64),
                f.string("description", "", 1000), f.kinds(), f.weights(), f.integer("steps", 1,
                        GenerationSettings.MAX_STEPS, d.steps()), f.number("cfg", 1, GenerationSettings.MAX_CFG, false,
                        d.cfg()), f.shift(), f.number("strength", 0, 1, true, d.strength()), f.size(), f.loras(), origin));
    }

    /** Reads fields with fallbacks, recording a problem for each bad value. */
    private record Fields(String file, JsonNode root, List<PresetProblem> problems) {
        void problem(String field, String message) {
            problems.add(new PresetProblem(file, field, message));
        }

        String name(String fallback) {
            JsonNode n = root.get("name");
            String dflt = NAME.matcher(fallback).matches() ? fallback : "unnamed";
            if (n == null) {
                problem("name", "missing; using '" + dflt + "' (the file name)");
                return dflt;
            }
            if (!n.isTextual() || !NAME.matcher(n.asText()).matches()) {
                problem("name", n + " must be lower-case letters, digits, '.', '_' or '-'; using '" + dflt + "'");
                return dflt;
            }
            return n.asText();
        }

        String string(String field, String dflt, int maxLength) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return dflt;
            }
            if (!n.isTextual() || n.asText().length() > maxLength) {
                problem(field, "must be text of at most " + maxLength + " characters; using '" + dflt + "'");
                return dflt;
            }
            return n.asText();
        }

        int integer(String field, int min, int max, int dflt) {
            JsonNode n = root.get(field);
            if (n == null) {
                return dflt;
            }
            if (!n.canConvertToExactIntegral() || n.asLong() < min || n.asLong() > max) {
                problem(field, n + " is not a whole number in " + min + ".." + max + "; using " + dflt);
                return dflt;
            }
            return n.asInt();
        }

        double number(String field, double min, double max, boolean minExclusive, double dflt) {
            JsonNode n = root.get(field);
            if (n == null) {
                return dflt;
            }
            double v = n.isNumber() ? n.asDouble() : Double.NaN;
            boolean ok = Double.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max;
            if (!ok) {
                problem(field, n + " is not a number in " + (minExclusive ? "(" : "[") + min + ", " + max + "]; using " + dflt);
                return dflt;
            }
            return v;
        }

        Double shift() {
            JsonNode n = root.get("shift");
            if (n == null || n.isNull()) {
                return null;
            }
            double v = n.isNumber() ? n.asDouble() : Double.NaN;
            if (!(v > 0 && v <= 100)) {
                problem("shift", n + " must be a number in (0, 100] or null (the model's schedule); using null");
                return null;
            }
            return v;
        }

        Set<String> kinds() {
            JsonNode n = root.get("kinds");
            Set<String> dflt = Preset.DEFAULTS.kinds();
            if (n == null) {
                return dflt;
            }
            if (!n.isArray()) {
                problem("kinds", "must be a list of \"edit\" / \"generate\"; using both");
                return dflt;
            }
            Set<String> out = new LinkedHashSet<>();
            for (JsonNode k : n) {
                if (Preset.EDIT.equals(k.asText()) || Preset.GENERATE.equals(k.asText())) {
                    out.add(k.asText());
                } else {
                    problem("kinds", k + " is not \"edit\" or \"generate\"; ignored");
                }
            }
            if (out.isEmpty()) {
                problem("kinds", "no valid kind; using both");
                return dflt;
            }
            return out;
        }

        WeightVariant weights() {
            JsonNode n = root.get("weights");
            if (n == null) {
                return Preset.DEFAULTS.weights();
            }
            try {
                return WeightVariant.valueOf(n.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem("weights", n + " is not auto, bf16 or fp8; using auto");
                return Preset.DEFAULTS.weights();
            }
        }

        SizePolicy size() {
            JsonNode n = root.get("size");
            SizePolicy dflt = Preset.DEFAULTS.size();
            if (n == null) {
                return dflt;
            }
            if (!n.isObject()) {
                problem("size", "must be an object {mode, width, height}; using match_source");
                return dflt;
            }
            SizePolicy.Mode mode;
            try {
                mode = SizePolicy.Mode.valueOf(n.path("mode").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem("size.mode", n.path("mode") + " is not match_source, model_area or exact; using match_source");
                return dflt;
            }
            JsonNode w = n.path("width");
            JsonNode h = n.path("height");
            try {
                return new SizePolicy(mode, w.isMissingNode() ? dflt.width() : exactInt(w, "size.width"),
                        h.isMissingNode() ? dflt.height() : exactInt(h, "size.height"));
            } catch (IllegalArgumentException e) {
                problem("size", e.getMessage() + "; using " + mode.name().toLowerCase(Locale.ROOT) + " at 1024 x 1024");
                return new SizePolicy(mode, dflt.width(), dflt.height());
            }
        }

        private static int exactInt(JsonNode v, String field) {
            if (!v.canConvertToExactIntegral()) {
                throw new IllegalArgumentException(field + ": " + v + " is not a whole number");
            }
            return v.asInt();
        }

        List<Preset.PresetLora> loras() {
            JsonNode n = root.get("loras");
            if (n == null || n.isNull()) {
                return List.of();
            }
            if (!n.isArray()) {
                problem("loras", "must be a list; no LoRAs used");
                return List.of();
            }
            List<Preset.PresetLora> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                String field = "loras[" + i + "]";
                JsonNode e = n.get(i);
                if (out.size() == GenerationSettings.MAX_LORAS) {
                    problem(field, "more than " + GenerationSettings.MAX_LORAS + " LoRAs; the rest are ignored");
                    break;
                }
                if (!e.isObject() || !e.path("file").isTextual() || e.path("file").asText().isBlank()) {
                    problem(field + ".file", "missing; entry skipped");
                    continue;
                }
                double strength = 1.0;
                if (e.has("strength")) {
                    double v = e.get("strength").isNumber() ? e.get("strength").asDouble() : Double.NaN;
                    if (Double.isFinite(v) && Math.abs(v) <= LoraSpec.MAX_STRENGTH) {
                        strength = v;
                    } else {
                        problem(field + ".strength", e.get("strength") + " is not a number in -4..4; using 1");
                    }
                }
                String forKind = e.path("for").asText("any");
                if (!Set.of("any", Preset.EDIT, Preset.GENERATE).contains(forKind)) {
                    problem(field + ".for", "'" + forKind + "' is not edit, generate or any; using any");
                    forKind = "any";
                }
                out.add(new Preset.PresetLora(e.get("file").asText(), strength, forKind, e.path("source").asText("")));
            }
            return out;
        }
    }
}
