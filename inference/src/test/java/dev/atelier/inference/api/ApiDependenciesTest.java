package dev.atelier.inference.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The API the app talks to carries no UI toolkit: images are plain arrays, the app converts them. */
class ApiDependenciesTest {
    @Test
    void apiUsesNoAwtImageIoOrJavaFx() {
        JavaClasses api = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.atelier.inference.api", "dev.atelier.inference.engine", "dev.atelier.inference.noise",
                        "dev.atelier.inference.sched");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("java.awt..", "javax.imageio..", "javafx..")
                .check(api);
    }
}
