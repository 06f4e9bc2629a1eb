import { describe, expect, it } from 'vitest';
import { abbreviate, fitText, toAscii } from '../../src/mapping/binding/display-text.ts';

describe('display text', () => {
  it('transliterates to printable ASCII instead of showing ?', () => {
    expect(toAscii('Café')).toBe('Cafe');
    expect(toAscii('Sax Ténor')).toBe('Sax Tenor');
    expect(toAscii('Chœur')).toBe('Choeur');
    expect(toAscii('Straße')).toBe('Strasse');
    expect(toAscii('Вокал')).toBe('Vokal');
    expect(toAscii('“Lead”\u2013Vox')).toBe('"Lead"-Vox');
  });

  it('drops pictographs, control characters become spaces, runs of space collapse', () => {
    expect(toAscii('🎤 Vox')).toBe('Vox');
    expect(toAscii('Kick\u0007In')).toBe('Kick In');
    expect(toAscii('  Snare \t Top ')).toBe('Snare Top');
  });

  it('bounds the work on a hostile name', () => {
    const huge = 'é'.repeat(100_000);
    expect(toAscii(huge).length).toBe(256);
    expect(fitText(huge, 6)).toBe('eeeeee');
  });

  it('leaves names that fit alone, spaces included', () => {
    expect(abbreviate('Kick 1', 6)).toBe('Kick 1');
    expect(abbreviate('Vox', 6)).toBe('Vox');
  });

  it('abbreviates as an engineer would: spaces, then vowels, then consonants, longest word first; initials and digits stay', () => {
    expect(abbreviate('LeadVocBacking', 6)).toBe('LdVcBc');
    expect(abbreviate('Overhead Left', 6)).toBe('OvrLft');
    expect(abbreviate('Backing Vox 2', 6)).toBe('BckVx2');
    expect(abbreviate('Snare Top', 6)).toBe('SnrTop');
    expect(abbreviate('Kick In', 6)).toBe('KickIn');
    expect(abbreviate('Acoustic Guitar', 6)).toBe('AcsGtr');
    expect(abbreviate('Tom 12 Floor', 6)).toBe('Tm12Fl');
    expect(abbreviate('guitare electrique', 6)).toBe('gtrElc'); // the lost space leaves a capital
    expect(abbreviate('Overheads', 6)).toBe('Ovrhds');
  });

  it('cuts only when every word is down to its initial', () => {
    expect(abbreviate('A B C D E F G H', 6)).toBe('ABCDEF');
    expect(abbreviate('12345678', 6)).toBe('123456');
  });

  it('fits non-ASCII names: transliterated first, then abbreviated', () => {
    expect(fitText('Überkopf', 6)).toBe('Ubrkpf');
    expect(fitText('Guitare électrique', 6)).toBe('GtrElc');
  });
});
