package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Photo + prompt -> processor -> Qwen2.5-VL -> prompt embeddings, against the pipeline's edit.prompt_embeds. */
class QwenVlEndToEndTest {
    @Test
    void editPromptFromThePhoto() throws Exception {
        Fixture f = FixtureSupport.fixture();
        String prompt = f.referenceInfo("processor").path("prompt").asText();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                QwenVlProcessor proc = QwenVlProcessor.fromFolder(f.editModel().orElseThrow().resolve("processor"));
                QwenVlModel model = QwenVlModel.load(f.editModel().orElseThrow(), null, Device.cpu(), DataType.FLOAT32);
                SafetensorsFile ref = f.openReference("text_encoder");
                SafetensorsFile pr = f.openReference("processor")) {
            RgbBytes cond = ConditionImages.conditionImage(RefTensors.image(pr, "input_image_u8"));
            QwenVlProcessor.Output in = proc.encodePrompts(PromptTemplate.EDIT_PLUS, List.of(prompt), List.of(cond));
            PromptEmbeds pe = new QwenVlPromptEncoder(model).encode(in, PromptTemplate.EDIT_PLUS, m);
            ParityResult r = Parity.compare("end_to_end.edit.prompt_embeds", pe.embeds(), ref.load("edit.prompt_embeds", m),
                    Tolerance.FORWARD);
            System.out.println(r.line());
            assertTrue(r.ok(), r.line());
            assertTrue(pe.maskIsAllOnes());
        }
    }
}
