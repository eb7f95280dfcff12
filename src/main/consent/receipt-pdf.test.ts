import { PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import { create as createQr, toBuffer as qrPng } from 'qrcode';
import { getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';

import { receiptText } from '../../shared/consent/receipt-text';
import { buildConsentDocument, describeIdentityMethod, scopeLabel } from '../../shared/consent/template';
import { defaultClinicRules } from '../../shared/protocol/clinic-rules';
import { ConsentReceiptError, type ConsentReceiptInput, qrPayload, qrSquares, renderConsentReceiptPdf } from './receipt-pdf';

const FINGERPRINT = 'ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567 ABCD EFGH IJKL MNOP QRST';
const SIGNED_AT = Date.UTC(2026, 10, 23, 17, 5); // 12:05 in Toronto
let signaturePng: string;

beforeAll(async () => {
  // Any real PNG will do as a drawn signature.
  signaturePng = `data:image/png;base64,${(await qrPng('signature', { margin: 1 })).toString('base64')}`;
});

function input(language: 'en' | 'fr', overrides: Partial<ConsentReceiptInput> = {}): ConsentReceiptInput {
  const rules = { ...defaultClinicRules('Riverside Family Clinic', 'America/Toronto'), phone: '+1 613 555 0142', emergency: { number: '911', nearestEmergencyDepartment: 'Riverside General Hospital, 12 King Street' } };
  return {
    language,
    clinic: { name: 'Riverside Family Clinic', phone: rules.phone, fingerprint: FINGERPRINT },
    patient: { displayName: 'Amélie Tremblay', dateOfBirth: '1984-03-07' },
    decisionMaker: null,
    document: buildConsentDocument(rules, { language, policyVersion: 3, templateVersion: 1 }),
    textHash: '9f2c4e1a7b3d5f60112233445566778899aabbccddeeff00112233445566aabb',
    recordId: 'rec_01JD4Z8Q2M7X',
    choices: [
      { scope: 'clinical', granted: true },
      { scope: 'reminders', granted: true },
      { scope: 'newsletters', granted: false },
      { scope: 'attachments', granted: false },
    ],
    excludedTopics: ['Test results for sexually transmitted infections'],
    identityMethod: 'health-card',
    signedAt: SIGNED_AT,
    timeZone: 'America/Toronto',
    signature: { kind: 'typed', name: 'Amélie Tremblay' },
    witness: 'Jordan Lee',
    enrollment: { code: 'K7PQ-3MZX-R2TD-9HVA-ABCD-EFGH-JKMN-PQRS', shortCode: 'H7KM-4TQX-9ZRW-C2VB', expiresAt: SIGNED_AT + 14 * 86_400_000, portalUrl: 'https://portal.riverside.example' },
    ...overrides,
  };
}

/** Every page's text, items joined by spaces, white space collapsed. */
async function extract(pdf: Uint8Array): Promise<{ pages: string[]; all: string }> {
  const doc = await getDocumentProxy(pdf.slice());
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(
      content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  }
  return { pages, all: pages.join(' ') };
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The decoded content streams of page `index`. */
async function pageContent(pdf: Uint8Array, index: number): Promise<string> {
  const doc = await PDFDocument.load(pdf);
  const contents = doc.getPages()[index]!.node.Contents();
  const refs = contents ? ('asArray' in contents ? contents.asArray() : [contents]) : [];
  return refs
    .map((ref) => doc.context.lookup(ref))
    .filter((s): s is PDFRawStream => s instanceof PDFRawStream)
    .map((s) => Buffer.from(decodePDFRawStream(s).decode()).toString('latin1'))
    .join('\n');
}

describe('renderConsentReceiptPdf', () => {
  it('prints the header, choices, connection details, the whole text and the signature block', async () => {
    const data = input('en');
    const pdf = await renderConsentReceiptPdf(data);
    const { pages, all } = await extract(pdf);

    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
    pages.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(page).toContain('text version p3-t1-en');
    });

    for (const text of ['Riverside Family Clinic', '+1 613 555 0142', 'Your messaging consent receipt', 'Amélie Tremblay', 'March 7, 1984', 'November 23, 2026']) {
      expect(all).toContain(text);
    }
    expect(all).toContain('Your choices');
    for (const choice of data.choices) expect(all).toContain(`${scopeLabel(choice.scope, 'en')} ${choice.granted ? 'Yes' : 'No'}`);
    expect(all).toContain('Test results for sexually transmitted infections');

    // The short code to type, big; the long code and the fingerprint under Details, with nothing to compare.
    expect(all).toContain('H7KM-4TQX-9ZRW-C2VB');
    expect(all).toContain('date of birth');
    expect(all).toContain('K7PQ-3MZX-R2TD-9HVA-ABCD-EFGH-');
    expect(all).toContain('JKMN-PQRS');
    expect(all.indexOf('Details')).toBeLessThan(all.indexOf(FINGERPRINT));
    expect(all).toContain(FINGERPRINT);
    expect(all).toContain('nothing for you to compare');
    expect(all).toContain('expires on December 7, 2026');
    expect(all).toContain('https://portal.riverside.example');

    for (const section of data.document.sections) expect(all).toContain(squash(section.title));
    // A sentence from several sections, and every bullet, as agreed.
    for (const section of data.document.sections.filter((_, i) => i % 3 === 0)) {
      const paragraph = section.paragraphs[0];
      if (paragraph) expect(all).toContain(squash(paragraph));
    }
    for (const bullet of data.document.sections.flatMap((s) => s.bullets)) expect(all).toContain(squash(bullet));

    expect(all).toContain('Witness (clinic staff): Jordan Lee');
    expect(all).toContain(describeIdentityMethod('health-card', 'en'));
    expect(all).toContain('Text version: p3-t1-en');
    expect(all).toContain(data.textHash);
    expect(all).toContain('rec_01JD4Z8Q2M7X');
    expect(all).toContain('Signed by Amélie Tremblay');
  });

  it('sets the metadata and is deterministic', async () => {
    const pdf = await renderConsentReceiptPdf(input('en'));
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getTitle()).toBe('Messaging consent receipt – Riverside Family Clinic');
    expect(doc.getProducer()).toBe('Clinic Messenger');
    expect(doc.getAuthor()).toBe('Riverside Family Clinic');
    expect(doc.getCreationDate()?.getTime()).toBe(SIGNED_AT);
    expect(doc.catalog.get(PDFName.of('Lang'))?.toString()).toContain('en-CA');
    expect(await renderConsentReceiptPdf(input('en'))).toEqual(pdf);
  });

  it('prints a French receipt in French', async () => {
    const data = input('fr', { decisionMaker: { name: 'Luc Tremblay', relationship: 'père' } });
    const { pages, all } = await extract(await renderConsentReceiptPdf(data));
    const t = receiptText.fr;
    for (const text of [t.title, t.choicesHeading, t.connectHeading, t.agreedHeading, 'Empreinte de la clinique', '7 mars 1984', 'Luc Tremblay (père)', 'Signé par Luc Tremblay']) {
      expect(all).toContain(text);
    }
    for (const choice of data.choices) expect(all).toContain(`${scopeLabel(choice.scope, 'fr')} ${choice.granted ? 'Oui' : 'Non'}`);
    expect(pages[0]).toContain(`Page 1 sur ${pages.length}`);
    for (const section of data.document.sections) expect(all).toContain(squash(section.title));
    expect(all).not.toContain('Your choices');
  });

  it('embeds a drawn signature as an image; a typed one has none', async () => {
    const drawn = await renderConsentReceiptPdf(input('en', { signature: { kind: 'drawn', image: signaturePng } }));
    const typed = await renderConsentReceiptPdf(input('en'));
    const images = (pdf: Uint8Array) =>
      PDFDocument.load(pdf).then((doc) =>
        doc.context.enumerateIndirectObjects().filter(([, obj]) => obj instanceof PDFRawStream && obj.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')),
      );
    expect(await images(drawn)).toHaveLength(1);
    expect(await images(typed)).toHaveLength(0);
  });

  it('rejects a drawn signature that is not a PNG data URL with a ConsentReceiptError', async () => {
    for (const image of ['not a data url', 'data:image/jpeg;base64,/9j/4AAQ', 'data:image/png;base64,AAAAAAAAAAAAAAAA', 'data:image/png;base64,iVBORw0KGgoAAAAA']) {
      const attempt = renderConsentReceiptPdf(input('en', { signature: { kind: 'drawn', image } }));
      await expect(attempt).rejects.toBeInstanceOf(ConsentReceiptError);
      await expect(attempt).rejects.toMatchObject({ code: 'bad-signature-image' });
    }
  });

  it('prints names the standard fonts cannot encode with ? instead of failing', async () => {
    const pdf = await renderConsentReceiptPdf(
      input('en', {
        patient: { displayName: 'Zoë 😀 Nguyễn', dateOfBirth: '2001-12-31' },
        decisionMaker: { name: 'ŉ 山田 太郎', relationship: 'guardian 👨‍👩‍👧' },
        signature: { kind: 'typed', name: 'Zoë 😀' },
        witness: 'Łukasz Żółć',
        excludedTopics: ['Résultats 🧪 de laboratoire'],
      }),
    );
    const { all } = await extract(pdf);
    expect(all).toContain('Zoë ? Nguyên'); // ễ is not in WinAnsi; ê is
    expect(all).toContain('? ?? ?? (guardian ?)'); // one ? per character as read, a family emoji included
    expect(all).toContain('Lukasz Zólc'); // Ł, ż and ć have plain equivalents
    expect(all).toContain('Résultats ? de laboratoire');
  });
});

describe('qrSquares', () => {
  it('draws one square per dark module of the QR symbol', async () => {
    const data = input('en');
    const payload = qrPayload(data.enrollment);
    expect(payload).toBe('https://portal.riverside.example#code=K7PQ-3MZX-R2TD-9HVA-ABCD-EFGH-JKMN-PQRS');
    const { modules } = createQr(payload, { errorCorrectionLevel: 'M' });
    const { size, squares } = qrSquares(payload);
    expect(size).toBe(modules.size);
    expect(squares.length).toBe([...modules.data].filter(Boolean).length);
    for (const { row, col } of squares) expect(modules.get(row, col)).toBeTruthy();

    // The page draws exactly those squares: the only `re` operators on page 1 are the QR code's.
    const content = await pageContent(await renderConsentReceiptPdf(data), 0);
    expect(content.match(/ re\b/g)?.length).toBe(squares.length);
  });

  it('encodes the code alone when there is no portal address', () => {
    expect(qrPayload({ code: 'K7PQ-3MZX', shortCode: null, expiresAt: 0, portalUrl: null })).toBe('K7PQ-3MZX');
  });
});
