package jlens.repl;

/** Shows a figure full screen; without a terminal there is none. */
@FunctionalInterface
public interface Viewer {
    void show(Figure figure) throws Exception;

    Viewer NONE = f -> {
        throw new UserError("'view' needs an interactive terminal; in a script, 'save FILE.txt' writes the chart instead");
    };
}
