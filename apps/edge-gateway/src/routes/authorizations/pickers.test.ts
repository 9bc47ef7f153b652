import { describe, expect, it } from "vitest";
import {
  admin,
  createSandboxAuthorization,
  type ErrorBody,
  expectJson,
  sandboxAuthorization,
} from "../../../test/admin.ts";

type Field = { fieldName: string; fieldType?: string };

describe("pickers read live from Responsys", () => {
  it("lists profile lists with their fields", async () => {
    const id = await createSandboxAuthorization();
    const body = await expectJson<{ items: { name: string; folderName: string | null; fields: Field[] }[] }>(
      await admin("GET", `/v1/authorizations/${id}/lists`),
      200,
    );
    const contacts = body.items.find((list) => list.name === "CONTACTS_LIST");
    expect(contacts?.folderName).toBe("Lists");
    expect(contacts?.fields.map((field) => field.fieldName)).toContain("EMAIL_ADDRESS_");
  });

  it("lists the extension tables of a list", async () => {
    const id = await createSandboxAuthorization();
    const body = await expectJson<{ items: { objectName: string; fields: Field[] }[] }>(
      await admin("GET", `/v1/authorizations/${id}/lists/CONTACTS_LIST/extensions`),
      200,
    );
    expect(Array.isArray(body.items)).toBe(true);
    for (const pet of body.items) expect(pet.objectName.length).toBeGreaterThan(0);
  });

  it("answers 404 RESPONSYS_NOT_FOUND for the extensions of a list Responsys does not have", async () => {
    const id = await createSandboxAuthorization();
    const body = await expectJson<ErrorBody>(
      await admin("GET", `/v1/authorizations/${id}/lists/NO_SUCH_LIST/extensions`),
      404,
    );
    expect(body.error.code).toBe("RESPONSYS_NOT_FOUND");
    expect(body.error.details?.responsysErrorCode).toBeTruthy();
  });

  it("pages campaigns", async () => {
    const id = await createSandboxAuthorization();
    const first = await expectJson<{
      items: { name: string; list: { objectName: string } | null }[];
      offset: number;
      limit: number;
      nextOffset: number | null;
    }>(await admin("GET", `/v1/authorizations/${id}/campaigns?limit=1`), 200);
    expect(first.limit).toBe(1);
    expect(first.items).toHaveLength(1);
    const all = await expectJson<{ items: { name: string; list: { objectName: string } | null }[] }>(
      await admin("GET", `/v1/authorizations/${id}/campaigns`),
      200,
    );
    const welcome = all.items.find((campaign) => campaign.name === "Welcome_Series");
    expect(welcome?.list?.objectName).toBe("CONTACTS_LIST");
  });

  it.each([["limit=0"], ["limit=201"], ["offset=-1"], ["limit=ten"]])(
    "answers 400 INVALID_REQUEST for campaigns?%s",
    async (query) => {
      const id = await createSandboxAuthorization();
      const body = await expectJson<ErrorBody>(
        await admin("GET", `/v1/authorizations/${id}/campaigns?${query}`),
        400,
      );
      expect(body.error.code).toBe("INVALID_REQUEST");
    },
  );

  it("answers 404 AUTHORIZATION_NOT_FOUND for an unknown authorization", async () => {
    const body = await expectJson<ErrorBody>(await admin("GET", "/v1/authorizations/auth_nope/lists"), 404);
    expect(body.error.code).toBe("AUTHORIZATION_NOT_FOUND");
  });

  it("answers 422 RESPONSYS_LOGIN_FAILED when the stored credentials do not log in", async () => {
    const created = await expectJson<{ id: string }>(
      await admin(
        "POST",
        "/v1/authorizations?verify=false",
        sandboxAuthorization({ password: "stale-password-42" }),
      ),
      201,
    );
    const body = await expectJson<ErrorBody>(
      await admin("GET", `/v1/authorizations/${created.id}/lists`),
      422,
    );
    expect(body.error.code).toBe("RESPONSYS_LOGIN_FAILED");
    expect(body.error.message).not.toContain("stale-password-42");
  });
});
