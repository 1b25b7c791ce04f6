package dev.atelier.app;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.stage.Stage;

/** The studio window. */
public final class AtelierApp extends Application {
    @Override
    public void start(Stage stage) {
        BorderPane root = new BorderPane(new Label("Atelier"));
        root.setId("root");
        stage.setTitle("Atelier");
        stage.setScene(new Scene(root, 1280, 800));
        stage.show();
    }
}
