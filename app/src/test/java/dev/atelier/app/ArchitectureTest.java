package dev.atelier.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The studio's layering: the engine only through its api package; view-models and the model hold no Nodes
 * (values such as {@code javafx.scene.paint.Color} are fine).
 */
class ArchitectureTest {
    private static final JavaClasses APP = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.atelier.app");

    @Test
    void engineOnlyThroughItsApi() {
        noClasses().that().resideInAPackage("dev.atelier.app..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "are inference internals", c -> c.getPackageName().startsWith("dev.atelier.inference")
                                && !c.getPackageName().startsWith("dev.atelier.inference.api")))
                .check(APP);
    }

    @Test
    void viewModelsHoldNoNodes() {
        noClasses().that().resideInAnyPackage("dev.atelier.app.viewmodel..", "dev.atelier.app.document..",
                        "dev.atelier.app.mask..", "dev.atelier.app.io..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene", "javafx.scene.control..",
                        "javafx.scene.layout..", "javafx.scene.canvas..", "javafx.scene.image..", "javafx.scene.shape..",
                        "javafx.stage..", "dev.atelier.app.view..", "dev.atelier.app.canvas..")
                .check(APP);
    }
}
