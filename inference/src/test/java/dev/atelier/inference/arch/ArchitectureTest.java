package dev.atelier.inference.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engine is a library: no JavaFX, no dependency on the studio. */
class ArchitectureTest {
    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.atelier.inference");

    @Test
    void inferenceNeverDependsOnJavaFx() {
        noClasses().that().resideInAPackage("dev.atelier.inference..")
                .should().dependOnClassesThat().resideInAPackage("javafx..")
                .check(ENGINE);
    }

    @Test
    void inferenceNeverDependsOnTheStudio() {
        noClasses().that().resideInAPackage("dev.atelier.inference..")
                .should().dependOnClassesThat().resideInAPackage("dev.atelier.app..")
                .check(ENGINE);
    }
}
