// The e2e test's check of `kafka-broker-api-versions` output from inside the stack network: the
// broker's line, as Kafka 3.x and 4.1 print it (4.1 adds `isFenced: false` to the node).
import { brokerApiVersionsLine } from "../e2e/consumerChecks";

const versions = "(\n\tProduce(0): 3 to 12 [usable: 12],\n\tFetch(1): 4 to 17 [usable: 17]\n)";

describe("brokerApiVersionsLine", () => {
    const line = brokerApiVersionsLine("kafka:9092", 1);
    test.each([
        ["Kafka 4.1", `kafka:9092 (id: 1 rack: null isFenced: false) -> ${versions}\n`],
        ["Kafka 3.x", `kafka:9092 (id: 1 rack: null) -> ${versions}\n`],
        ["after other output", `WARN something\nkafka:9092 (id: 1 rack: null isFenced: false) -> ${versions}\n`],
    ])("matches the broker's line (%s)", (_, stdout) => {
        expect(stdout).toMatch(line);
    });
    test.each([
        ["another broker id", `kafka:9092 (id: 2 rack: null isFenced: false) -> ${versions}`],
        ["another address", `localhost:9092 (id: 1 rack: null) -> ${versions}`],
        ["a longer host name", `xkafka:9092 (id: 1 rack: null) -> ${versions}`],
        ["another port", `kafka:90921 (id: 1 rack: null) -> ${versions}`],
        ["a rack set", `kafka:9092 (id: 1 rack: r1) -> ${versions}`],
        ["id 10 for id 1", `kafka:9092 (id: 10 rack: null) -> ${versions}`],
        ["no API versions", "kafka:9092 (id: 1 rack: null isFenced: false)"],
        ["an error", "Error while executing: org.apache.kafka.common.errors.TimeoutException"],
        ["nothing", ""],
    ])("does not match %s", (_, stdout) => {
        expect(stdout).not.toMatch(line);
    });
    test("the address is taken literally", () => {
        expect(`kafkaX9092 (id: 1 rack: null) -> ${versions}`).not.toMatch(brokerApiVersionsLine("kafka.9092", 1));
        expect(`kafka.9092 (id: 1 rack: null) -> ${versions}`).toMatch(brokerApiVersionsLine("kafka.9092", 1));
    });
    test("as stack.test.ts uses it: exit status and output in one expectation", () => {
        const internal = { status: 0, stdout: `kafka:9092 (id: 1 rack: null isFenced: false) -> ${versions}\n` };
        expect(internal).toEqual({ status: 0, stdout: expect.stringMatching(brokerApiVersionsLine("kafka:9092", 1)) });
        // What the e2e test expected before: fails on a healthy Kafka 4.1 broker.
        expect(internal.stdout).not.toContain("kafka:9092 (id: 1 rack: null)");
    });
});
