package dev.atelier.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PresetLoaderTest {
    @Test
    void shippedPresetsLoadCleanly() {
        PresetCatalog c = PresetLoader.loadShipped();
        assertEquals(List.of(), c.problems());
        assertEquals(PresetLoader.SHIPPED, List.copyOf(c.presets().keySet()));
        Preset quick = c.require("quick-preview");
        assertEquals(WeightVariant.FP8, quick.weights());
        assertEquals(4, quick.steps());
        assertEquals(1.0, quick.cfg());
        assertEquals(3.0, quick.shift());
        GenerationSettings edit = quick.settings(Preset.EDIT, 9);
        assertEquals(1, edit.loras().size());
        assertTrue(edit.loras().get(0).file().contains("Edit-2511-Lightning-4steps"));
        assertEquals("quick-preview", edit.preset());
        Preset draft = c.require("draft");
        assertEquals(40, draft.steps());
        assertEquals(4.0, draft.cfg());
        assertNull(draft.shift());
        Preset fin = c.require("final");
        assertEquals(60, fin.steps());
        assertEquals(WeightVariant.BF16, fin.weights());
        Preset turbo = c.require("turbo");
        assertFalse(turbo.supports(Preset.EDIT));
        assertEquals(SizePolicy.Mode.MODEL_AREA, turbo.size().mode());
        assertEquals(1024, turbo.size().width());
        assertTrue(c.find("nope").isEmpty());
    }

    @Test
    void shippedFilesDeclareOnlySchemaFields() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode schema = m.readTree(Path.of("../presets/schema/preset.schema.json").toFile());
        JsonNode props = schema.path("properties");
        for (String name : PresetLoader.SHIPPED) {
            JsonNode p = m.readTree(Path.of("../presets/" + name + ".json").toFile());
            p.fieldNames().forEachRemaining(f -> assertTrue(props.has(f), name + ": field " + f + " not in the schema"));
        }
    }

    static List<PresetProblem> parse(String json, Optional<Preset>[] out) {
        List<PresetProblem> problems = new ArrayList<>();
        out[0] = PresetLoader.parse("my.json", json, "my", "test", problems);
        return problems;
    }

    @SuppressWarnings("unchecked")
    @Test
    void badFieldsNameFileAndFieldAndFallBack() {
        Optional<Preset>[] out = new Optional[1];
        List<PresetProblem> problems = parse("""
                {"schema_version": 1, "name": "mine", "steps": -3, "cfg": "high", "shift": 0,
                 "weights": "int4", "strength": 2, "size": {"mode": "exact", "width": 1000, "height": 512},
                 "kinds": ["edit", "video"], "loras": [{"strength": 1}, {"file": "a.safetensors", "strength": 9, "for": "x"}],
                 "stepz": 4}
                """, out);
        Preset p = out[0].orElseThrow();
        assertEquals("mine", p.name());
        assertEquals(40, p.steps());
        assertEquals(4.0, p.cfg());
        assertNull(p.shift());
        assertEquals(WeightVariant.AUTO, p.weights());
        assertEquals(1.0, p.strength());
        assertEquals(SizePolicy.Mode.EXACT, p.size().mode());
        assertEquals(1024, p.size().width());
        assertEquals(java.util.Set.of("edit"), p.kinds());
        assertEquals(1, p.loras().size());
        assertEquals(1.0, p.loras().get(0).strength());
        assertEquals("any", p.loras().get(0).forKind());
        List<String> fields = problems.stream().map(PresetProblem::field).toList();
        for (String f : List.of("steps", "cfg", "shift", "weights", "strength", "size", "kinds", "loras[0].file",
                "loras[1].strength", "loras[1].for", "stepz")) {
            assertTrue(fields.contains(f), "no problem reported for " + f + ": " + problems);
        }
        assertTrue(problems.stream().allMatch(x -> x.toString().startsWith("my.json: ")), problems.toString());
        String steps = problems.stream().filter(x -> x.field().equals("steps")).findFirst().orElseThrow().toString();
        assertEquals("my.json: steps: -3 is not a whole number in 1..200; using 40", steps);
        assertTrue(problems.stream().anyMatch(x -> x.toString().contains("not a multiple of 16")), problems.toString());
    }

    @SuppressWarnings("unchecked")
    @Test
    void unreadableFilesAreSkippedWithAMessage() {
        Optional<Preset>[] out = new Optional[1];
        List<PresetProblem> p1 = parse("{\"name\": \"x\",\n \"steps\": 4,,}", out);
        assertTrue(out[0].isEmpty());
        assertTrue(p1.get(0).message().startsWith("not valid JSON at line 2"), p1.toString());
        List<PresetProblem> p2 = parse("{\"schema_version\": 2, \"name\": \"x\"}", out);
        assertTrue(out[0].isEmpty());
        assertEquals("schema_version", p2.get(0).field());
        assertTrue(p2.get(0).message().contains("newer"));
        parse("[1, 2]", out);
        assertTrue(out[0].isEmpty());
        List<PresetProblem> p3 = parse("{\"steps\": 8}", out);
        assertEquals("my", out[0].orElseThrow().name());
        assertEquals(8, out[0].orElseThrow().steps());
        assertTrue(p3.stream().anyMatch(x -> x.field().equals("schema_version")));
        assertTrue(p3.stream().anyMatch(x -> x.field().equals("name")));
    }

    @Test
    void userFolderAddsAndReplacesPresets(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("draft.json"), "{\"schema_version\": 1, \"name\": \"draft\", \"steps\": 30}");
        Files.writeString(dir.resolve("portrait.json"), "{\"schema_version\": 1, \"name\": \"portrait\", \"cfg\": 3.5}");
        Files.writeString(dir.resolve("broken.json"), "{oops");
        Files.writeString(dir.resolve("twin.json"), "{\"schema_version\": 1, \"name\": \"portrait\"}");
        Files.writeString(dir.resolve("notes.txt"), "not a preset");
        PresetCatalog c = PresetLoader.load(dir);
        assertEquals(30, c.require("draft").steps());
        assertEquals(dir.resolve("draft.json").toString(), c.require("draft").origin());
        assertEquals(3.5, c.require("portrait").cfg());
        assertEquals(4, c.require("quick-preview").steps());
        assertEquals(2, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).file().endsWith("broken.json"));
        assertTrue(c.problems().get(1).file().endsWith("twin.json"));
        assertTrue(PresetLoader.load(dir.resolve("missing")).problems().isEmpty());
    }
}
