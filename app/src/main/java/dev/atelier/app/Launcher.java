package dev.atelier.app;

/** Plain main class so the studio starts from a class path without the JavaFX launcher checks. */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) {
        javafx.application.Application.launch(AtelierApp.class, args);
    }
}
