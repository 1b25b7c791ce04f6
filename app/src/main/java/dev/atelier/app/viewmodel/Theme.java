package dev.atelier.app.viewmodel;

/** The two colour schemes; each is a stylesheet of looked-up colours over the shared base sheet. */
public enum Theme {
    LIGHT("/ui/css/light.css"), DARK("/ui/css/dark.css");

    private final String stylesheet;

    Theme(String stylesheet) {
        this.stylesheet = stylesheet;
    }

    public String stylesheet() {
        return stylesheet;
    }
}
