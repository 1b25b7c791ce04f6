/**
 * The engine API the studio and the CLI use; no UI toolkit types.
 *
 * <pre>{@code
 * PresetCatalog presets = PresetLoader.load(userPresetDir);          // problems(): file + field messages
 * GenerationSettings s = presets.require("quick-preview").settings(Preset.EDIT, seed).withSteps(6);
 * EditRequest req = EditRequest.of(modelDir, photo, "add a red hat", s)  // throws IllegalArgumentException
 *         .withMask(mask).withReferences(List.of(ref));                  //   "field: what is wrong; what to do"
 * JobHandle job = engine.run(req, event -> Platform.runLater(() -> viewModel.handle(event)));
 * job.cancel();                                                          // stops within one step
 * switch (job.await()) {
 *     case EngineEvent.Done d -> history.add(d.image(), d.parameters());  // parameters().toJson() for export
 *     case EngineEvent.Failed f -> show(f.message(), f.suggestion(), f.kind());
 * }
 * }</pre>
 *
 * For the studio's set-up and meter (facades over the internal packages, so the app needs nothing else):
 * <pre>{@code
 * Engine engine = Engines.local();                                   // in-process engine, its own thread
 * ModelScan scan = ModelSetup.scan(folder);                          // diffusers or ComfyUI models/: found,
 * scan.missing(); scan.problems(); scan.missingFor(preset, "edit");  //   missing files by name, damaged files
 * CostEstimate c = CostEstimate.of(scan.editModel(), preset, "edit", 1024, 1024, 0, telemetry.deviceName(), budget);
 * MemorySnapshot m = telemetry.sample(budget, components);           // Telemetry.open(): NVML or process memory
 * }</pre>
 *
 * Tests of the app use {@link dev.atelier.inference.api.fake.FakeEngine}, which replays scripted events on its own
 * thread with the real engine's ordering and cancellation.
 */
package dev.atelier.inference.api;
