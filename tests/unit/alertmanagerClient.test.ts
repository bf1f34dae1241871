// The client's pure logic: what it refuses before sending, and how it reads AlertManager's error answers.
import {
    AlertmanagerClient, AlertmanagerInputError, fieldOf, serverText, type PostableAlert, type SilenceRequest,
} from "../../lib/alertmanagerClient";

// Nothing listens here: a request that got past validation would fail with AlertmanagerApiError instead.
const client = new AlertmanagerClient("http://127.0.0.1:9", { timeoutMs: 500 });

async function inputError(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AlertmanagerInputError);
    return (err as Error).message;
}

describe("AlertmanagerClient input validation", () => {
    it.each<[string, unknown, string]>([
        ["labels missing", {}, "alerts[0].labels: expected an object of string values, got undefined"],
        ["labels an array", { labels: ["a"] }, "alerts[0].labels: expected an object of string values, got array"],
        ["only empty label values", { labels: { alertname: "" } }, "alerts[0].labels: at least one label with a non-empty value is required"],
        ["a null label value", { labels: { alertname: "X", service: null } }, "alerts[0].labels.service: expected a string, got null"],
        ["a number annotation", { labels: { alertname: "X" }, annotations: { runbook: 1 } }, "alerts[0].annotations.runbook: expected a string, got number 1"],
        ["an invalid Date", { labels: { alertname: "X" }, endsAt: new Date("nope") }, "alerts[0].endsAt: Invalid Date is not a valid date"],
        ["a date without time zone", { labels: { alertname: "X" }, startsAt: "2024-01-01T00:00:00" }, "alerts[0].startsAt: \"2024-01-01T00:00:00\" is not a valid date"],
    ])("postAlerts refuses %s", async (_, alert, expected) => {
        const message = await inputError(client.postAlerts([{ labels: { alertname: "Fine" } }, alert as PostableAlert]));
        expect(message).toContain(`AlertManager postAlerts: invalid ${expected.replace("alerts[0]", "alerts[1]")}`);
    });

    const silence = { matchers: [{ name: "service", value: "mysql" }], createdBy: "tests", comment: "c" };
    it.each<[string, unknown, string]>([
        ["both endsAt and durationMs", { ...silence, endsAt: new Date(Date.now() + 60_000), durationMs: 60_000 }, "endsAt: give exactly one of endsAt and durationMs"],
        ["neither endsAt nor durationMs", silence, "endsAt: give exactly one of endsAt and durationMs"],
        ["a negative duration", { ...silence, durationMs: -1 }, "durationMs: expected a positive number of milliseconds, got number -1"],
        ["endsAt equal to startsAt", { ...silence, startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-01T00:00:00Z" }, "endsAt: 2030-01-01T00:00:00.000Z is not after startsAt"],
        ["a matcher without name", { ...silence, matchers: [{ name: "", value: "x" }] }, "matchers[0].name: expected a non-empty string"],
        ["a string isRegex", { ...silence, matchers: [{ name: "a", value: "x", isRegex: "yes" }] }, "matchers[0].isRegex: expected a boolean, got \"yes\""],
        ["an empty createdBy", { ...silence, durationMs: 1, createdBy: " " }, "createdBy: expected a non-empty string"],
    ])("createSilence refuses %s", async (_, request, expected) => {
        expect(await inputError(client.createSilence(request as SilenceRequest))).toContain(`AlertManager createSilence: invalid ${expected}`);
    });

    it("refuses a silence id that is no UUID, and listAlerts a non-boolean state flag", async () => {
        expect(await inputError(client.getSilence("../status"))).toBe('AlertManager getSilence: invalid id: expected a silence id (a UUID), got "../status"');
        expect(await inputError(client.listAlerts({ silenced: "no" as unknown as boolean }))).toBe('AlertManager listAlerts: invalid silenced: expected a boolean, got "no"');
    });
});

describe("reading AlertManager's error answers", () => {
    it("takes the text from a JSON string, a {code, message} object or plain text", () => {
        expect(serverText('"start time must be before end time"\n')).toBe("start time must be before end time");
        expect(serverText({ code: 602, message: "0.labels in body is required" })).toBe("0.labels in body is required");
        expect(serverText("plain text\n")).toBe("plain text");
        expect(serverText("")).toBe("");
    });

    it.each<[string, string, string | undefined]>([
        ["postAlerts", "0.labels in body is required", "alerts[0].labels"],
        ["createSilence", "matchers.1.name in body is required", "matchers[1].name"],
        ["getSilence", 'silenceID in path must be of type uuid: "x"', "silenceID"],
        ["postAlerts", "parsing alerts body failed, because json: cannot unmarshal number into Go struct field Alert.labels of type string", "labels"],
        ["createSilence", 'silence invalid: invalid label matcher 2: invalid regular expression "("', "matchers[2]"],
        ["postAlerts", 'invalid label set: invalid name "bad-name"', 'labels["bad-name"]'],
        ["createSilence", "Failed to create silence: end time can't be in the past", "endsAt"],
        ["listAlerts", "failed to parse receiver param: error parsing regexp", "receiver"],
        ["status", "something else entirely", undefined],
    ])("%s: %j names field %s", (operation, text, field) => {
        expect(fieldOf(operation, text)).toBe(field);
    });
});
