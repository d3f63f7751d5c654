package jlens.repl;

import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;

/**
 * A chart that can be drawn again at any size, with pages the viewer steps through (layers or heads).
 *
 * @param titles one title per page
 * @param start  the page shown first
 * @param pages  draws page i at a size
 */
public record Figure(List<String> titles, int start, Pages pages) {
    /** Draws one page. */
    @FunctionalInterface
    public interface Pages {
        TextImage render(int page, int columns, int rows);
    }

    public static Figure single(String title, Pages page) {
        return new Figure(List.of(title), 0, page);
    }
}
