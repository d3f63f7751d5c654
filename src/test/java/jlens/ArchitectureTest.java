package jlens;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of ARCHITECTURE.md, checked on the compiled main classes: dependencies point one way,
 * {@code repl -> workspace -> corpus -> sae -> intervene -> analysis -> model -> hook} (and inside intervene, {@code steering -> prompts ->
 * generation -> intervene}); {@code store} is used by the workspace and
 * the launcher only; {@code chart} uses nothing of ours and no terminal; {@code hook} uses nothing of ours but DJL;
 * {@code sys} uses nothing of ours and every package may use it; files are written only through its atomic writer.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("jlens");
    }

    @Test
    void layersPointOneWay() {
        Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Launcher").definedBy("jlens", "jlens.bench..")
                .layer("Repl").definedBy("jlens.repl..")
                .layer("Workspace").definedBy("jlens.workspace..")
                .layer("Store").definedBy("jlens.store..")
                .layer("Corpus").definedBy("jlens.corpus..")
                .layer("Sae").definedBy("jlens.sae..")
                .layer("Intervene").definedBy("jlens.intervene..")
                .layer("Analysis").definedBy("jlens.analysis..")
                .layer("Model").definedBy("jlens.model..")
                .layer("Hook").definedBy("jlens.hook..")
                .layer("Figure").definedBy("jlens.figure..")
                .layer("Chart").definedBy("jlens.chart..")
                .layer("Sys").definedBy("jlens.sys..")
                .whereLayer("Launcher").mayNotBeAccessedByAnyLayer()
                .whereLayer("Repl").mayOnlyBeAccessedByLayers("Launcher")
                .whereLayer("Workspace").mayOnlyBeAccessedByLayers("Repl", "Launcher")
                .whereLayer("Store").mayOnlyBeAccessedByLayers("Workspace", "Launcher")
                .whereLayer("Corpus").mayOnlyBeAccessedByLayers("Workspace", "Repl", "Launcher")
                .whereLayer("Sae").mayOnlyBeAccessedByLayers("Corpus", "Workspace", "Repl", "Launcher")
                .whereLayer("Intervene").mayOnlyBeAccessedByLayers("Corpus", "Sae", "Workspace", "Repl", "Launcher")
                .whereLayer("Analysis").mayOnlyBeAccessedByLayers("Corpus", "Intervene", "Sae", "Workspace", "Repl", "Launcher")
                .whereLayer("Model").mayOnlyBeAccessedByLayers("Corpus", "Analysis", "Intervene", "Sae", "Workspace", "Store", "Repl", "Launcher")
                .whereLayer("Hook").mayOnlyBeAccessedByLayers("Corpus", "Model", "Analysis", "Intervene", "Sae", "Workspace", "Repl", "Launcher")
                .whereLayer("Figure").mayOnlyBeAccessedByLayers("Repl", "Launcher")
                .whereLayer("Chart").mayOnlyBeAccessedByLayers("Figure", "Repl", "Launcher")
                .whereLayer("Sys").mayOnlyBeAccessedByLayers("Launcher", "Repl", "Workspace", "Store", "Corpus", "Sae", "Intervene",
                        "Analysis", "Model", "Hook", "Figure", "Chart")
                .check(classes);
    }

    /**
     * Inside {@code intervene}: the engine and its value ({@code jlens.intervene}) know none of the packages built on
     * it; {@code steering -> prompts -> generation -> intervene}.
     */
    @Test
    void theEngineKnowsNothingBuiltOnIt() {
        noClasses().that().resideInAPackage("jlens.intervene")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.intervene.generation..", "jlens.intervene.prompts..",
                        "jlens.intervene.steering..")
                .check(classes);
        noClasses().that().resideInAPackage("jlens.intervene.generation..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.intervene.prompts..", "jlens.intervene.steering..")
                .check(classes);
        noClasses().that().resideInAPackage("jlens.intervene.prompts..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.intervene.steering..")
                .check(classes);
    }

    @Test
    void figureKnowsOnlyChartsAndItsLibraries() {
        noClasses().that().resideInAPackage("jlens.figure..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.model..", "jlens.hook..", "jlens.analysis..",
                        "jlens.intervene..", "jlens.workspace..", "jlens.store..", "jlens.repl..", "ai.djl..", "org.jline..",
                        "com.googlecode.lanterna..")
                .check(classes);
    }

    @Test
    void chartKnowsNoModelAndNoTerminal() {
        noClasses().that().resideInAPackage("jlens.chart..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.model..", "jlens.hook..", "jlens.analysis..",
                        "jlens.intervene..", "jlens.workspace..", "jlens.store..", "jlens.repl..", "ai.djl..", "org.jline..",
                        "com.googlecode.lanterna.terminal..", "com.googlecode.lanterna.screen..")
                .check(classes);
    }

    @Test
    void hookUsesNothingOfOursButDjl() {
        noClasses().that().resideInAPackage("jlens.hook..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.model..", "jlens.store..", "jlens.analysis..",
                        "jlens.intervene..", "jlens.workspace..", "jlens.chart..", "jlens.repl..", "jlens.bench..")
                .check(classes);
    }

    /**
     * Every file jlens writes goes through {@code jlens.sys.AtomicWriter} (a temporary removed on any exit, one rename
     * into place): no other class opens a file for writing, renames one or makes a temporary, but those listed here,
     * each for its reason.
     */
    @Test
    void filesAreWrittenOnlyThroughTheAtomicWriter() {
        Map<String, String> allowed = Map.of(
                "jlens.store.HubClient", "a download's .incomplete file, kept on purpose so the next try resumes",
                "jlens.store.HfCache", "moves a verified download into place; .no_exist markers; lock files",
                "jlens.store.KnownModelWriter", "writes into the temporary folder AtomicWriter.writeFolder gives it",
                "jlens.store.KnownCircuits", "written into the known model's temporary folder",
                "jlens.store.KnownModel", "the size list in the temporary folder; a damaged copy renamed away to delete it",
                "jlens.store.KnownSae", "writes into the temporary folder AtomicWriter.writeFolder gives it",
                "jlens.model.Safetensors", "opens weights for reading (FileChannel.open READ)",
                "jlens.repl.AtomicHistory", "opens the history's lock file to lock it (FileChannel.open); writes through AtomicWriter");
        java.util.Set<String> writers = java.util.Set.of("move", "write", "writeString", "newOutputStream", "newBufferedWriter",
                "copy", "createTempFile", "createTempDirectory", "newByteChannel");
        List<String> hits = new java.util.ArrayList<>();
        for (JavaClass c : classes) {
            String owner = c.getName().replaceAll("\\$.*", "");
            if (c.getPackageName().startsWith("jlens.sys") || allowed.containsKey(owner)) {
                continue;
            }
            c.getMethodCallsFromSelf().forEach(call -> {
                String target = call.getTargetOwner().getName();
                String name = call.getName();
                boolean files = target.equals("java.nio.file.Files") && writers.contains(name);
                boolean io = target.equals("java.io.File") && name.equals("createTempFile")
                        || target.equals("java.nio.channels.FileChannel") && name.equals("open");
                if (files || io) {
                    hits.add(c.getName() + " calls " + target + "." + name + " (" + call.getSourceCodeLocation() + ")");
                }
            });
            c.getConstructorCallsFromSelf().forEach(call -> {
                String target = call.getTargetOwner().getName();
                if (target.equals("java.io.FileOutputStream") || target.equals("java.io.FileWriter")
                        || target.equals("java.io.RandomAccessFile") || target.equals("java.io.PrintWriter")
                        && call.getTarget().getRawParameterTypes().stream().anyMatch(t -> t.getName().equals("java.io.File")
                        || t.getName().equals("java.lang.String") && call.getTarget().getRawParameterTypes().size() == 1)) {
                    hits.add(c.getName() + " constructs " + target + " (" + call.getSourceCodeLocation() + ")");
                }
            });
        }
        assertEquals(List.of(), hits, "write files through jlens.sys.AtomicWriter");
    }

    @Test
    void sysUsesNothingOfOurs() {
        noClasses().that().resideInAPackage("jlens.sys..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens", "jlens.bench..", "jlens.repl..", "jlens.workspace..",
                        "jlens.store..", "jlens.sae..", "jlens.intervene..", "jlens.analysis..", "jlens.model..", "jlens.hook..", "jlens.figure..",
                        "jlens.chart..", "ai.djl..", "org.jline..", "com.googlecode.lanterna..")
                .check(classes);
    }

    @Test
    void workspaceNeitherPrintsNorTouchesATerminal() {
        noClasses().that().resideInAPackage("jlens.workspace..")
                .should().dependOnClassesThat().resideInAnyPackage("jlens.chart..", "org.jline..", "com.googlecode.lanterna..")
                .check(classes);
    }

    @Test
    void oneTopLevelPublicTypePerSimpleName() {
        Map<String, List<String>> bySimpleName = classes.stream()
                .filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC) && c.isTopLevelClass())
                .collect(Collectors.groupingBy(JavaClass::getSimpleName, TreeMap::new,
                        Collectors.mapping(JavaClass::getName, Collectors.toList())));
        bySimpleName.values().removeIf(names -> names.size() < 2);
        assertEquals(Map.of(), bySimpleName, "public types sharing a simple name");
    }
}
