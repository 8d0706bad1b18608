package io.netsieve.examples;

import io.netsieve.core.bpf.BpfDumpFormat;
import io.netsieve.core.bpf.BpfFilter;
import io.netsieve.core.bpf.BpfJit;
import io.netsieve.core.bpf.BpfProgram;
import io.netsieve.core.bpf.FilterCompileException;
import io.netsieve.core.bpf.FilterCompiler;
import io.netsieve.core.io.CaptureFileReader;
import io.netsieve.core.io.CaptureFiles;
import io.netsieve.core.packet.PacketView;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The BPF part alone ({@code netsieve-core}): compile a pcap-filter expression for a capture's link type, print the
 * program as {@code tcpdump -d} does, and run it (JIT-compiled to JVM bytecode) over the capture.
 *
 * <pre>java -cp netsieve-cli.jar io.netsieve.examples.FilterExample FILE 'EXPRESSION'</pre>
 *
 * Prints the program, then one line per accepted packet (its 1-based number and capture length), then the count.
 */
public final class FilterExample {
    private FilterExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: FilterExample FILE EXPRESSION");
            System.exit(2);
        }
        try (CaptureFileReader reader = CaptureFiles.open(Path.of(args[0]), 0)) {
            BpfProgram program;
            try {
                // the file's own link type decides the offsets (Ethernet, Linux SLL, raw IP, ...)
                program = FilterCompiler.builder().linkType(reader.linkType()).build().compile(args[1]);
            } catch (FilterCompileException e) {
                System.err.println(e.getMessage()); // the message, the column and a caret line
                System.exit(1);
                return;
            }
            System.out.print(program.dump(BpfDumpFormat.ASSEMBLY));
            BpfFilter filter = BpfJit.compile(program);
            PacketView view = new PacketView(); // one view, re-pointed at every frame: nothing allocated per packet
            long number = 0;
            long accepted = 0;
            while (reader.next(view)) {
                number++;
                if (filter.matches(view)) {
                    accepted++;
                    System.out.println("packet " + number + " (" + view.captureLength() + " bytes)");
                }
            }
            System.out.println(accepted + " of " + number + " packets accepted");
        }
    }
}
