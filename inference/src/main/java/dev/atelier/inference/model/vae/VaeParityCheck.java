package dev.atelier.inference.model.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code reference/vae.safetensors}: the encoder's distribution (mean, clamped logvar, std, mode) of {@code x}, both
 * latent normalisations, the pipeline's decode-input formula, the clamped decode of {@code dec_in_raw} and the
 * round trip {@code decode(enc_mode)}. Every size comes from the reference tensors and the fixture's
 * {@code vae/config.json}. Untiled, fp32 on the CPU, {@link Tolerance#FORWARD}.
 */
public final class VaeParityCheck implements ParityCheck {
    private static final String REFERENCE = "vae";

    @Override
    public String name() {
        return "vae";
    }

    @Override
    public boolean applies(Fixture fixture) {
        return fixture.hasReference(REFERENCE) && vaeFolder(fixture).isPresent();
    }

    static Optional<Path> vaeFolder(Fixture fixture) {
        return fixture.editModel().or(fixture::t2iModel).map(p -> p.resolve("vae"))
                .filter(p -> Files.isRegularFile(p.resolve("config.json")));
    }

    @Override
    public List<ParityResult> run(Fixture fixture, NDManager manager) {
        Path folder = vaeFolder(fixture).orElseThrow();
        List<ParityResult> results = new ArrayList<>();
        try (SafetensorsFile ref = fixture.openReference(REFERENCE);
                QwenImageVae vae = QwenImageVae.load(folder, manager, Device.cpu(), DataType.FLOAT32);
                NDManager m = manager.newSubManager()) {
            NDArray x = ref.load("x", m, DataType.FLOAT32);
            try (VaeLatentDist d = vae.encodeDistribution(x, null)) {
                results.add(compare(ref, m, "enc_mean", d.mean()));
                results.add(compare(ref, m, "enc_logvar", d.logvar()));
                results.add(compare(ref, m, "enc_std", d.std()));
                results.add(compare(ref, m, "enc_mode", d.mode()));
                results.add(compare(ref, m, "z_norm_editplus", vae.normalize(d.mode())));
                results.add(compare(ref, m, "z_norm_inpaint", vae.normalizeInpaint(d.mode())));
            }
            results.add(compare(ref, m, "dec_in_raw", vae.denormalize(ref.load("z_norm_in", m, DataType.FLOAT32))));
            // decoder levels take the reference's inputs so each level is checked on its own
            results.add(compare(ref, m, "dec_out", vae.decode(ref.load("dec_in_raw", m, DataType.FLOAT32), null)));
            results.add(compare(ref, m, "dec_roundtrip", vae.decode(ref.load("enc_mode", m, DataType.FLOAT32), null)));
        }
        return results;
    }

    private static ParityResult compare(SafetensorsFile ref, NDManager m, String name, NDArray actual) {
        return Parity.compare("vae." + name, actual, ref, name, Tolerance.FORWARD, m);
    }
}
