package dev.atelier.app.view;

import org.kordamp.ikonli.javafx.FontIcon;

/** Material Design icons through Ikonli; the icon colour follows the theme's {@code -icon-color}. */
final class Icons {
    private Icons() {}

    static FontIcon icon(String literal) {
        FontIcon i = new FontIcon(literal);
        i.getStyleClass().add("icon");
        return i;
    }
}
