/**
 * The game contract: what a game owns and the engine, agents and analysis rely on. A game owns
 * its group size, its turn structure (simultaneous, or sequential with named roles), what each
 * member observes, the options it is offered, settlement (joint choices → each member's payoff)
 * and the payoff consequences of each option, from which utilities, ideal sets, rule-based
 * choices, identification and value rationality are all derived (src/games/utility.ts).
 *
 * A game module is registered by name like an agent type (Inspect's registry): `{ type,
 * summary, schema, create }`. The scenario's `game:` field is validated by `schema`, and
 * `create` compiles it once into a {@link Game}. A user's game module plugs in the same way,
 * from a module path in the scenario (`game: { type: ./my-game.ts, … }`).
 *
 * Everything here is pure and deterministic: the same spec, generator and moves give the same
 * moves, payoffs and states, so sessions can run concurrently and resume replays them exactly.
 * States and facts are plain JSON, so they can be written to the log and read back.
 *
 * @example
 * const game = gameModule.create(gameModule.schema.parse({ type: "public-goods", groupSize: 4 }));
 * let state = game.start(rng);
 * for (let round = 0; round < game.rounds; round++) {
 *   const played: Played[] = [];
 *   for (const stage of game.stages(state, round))
 *     for (const member of stage) {
 *       const move = game.move(state, round, member, played);
 *       played.push({ member, option: pick(move) });   // canonical 0-based option
 *     }
 *   const settled = game.settle(state, round, played);   // received[i] per member
 *   state = settled.state;
 *   if (settled.end) break;
 * }
 */
import type { z } from "zod";
import type { Payoff } from "../core/instrument.ts";
import type { Rng } from "../core/random.ts";

/** Plain JSON the game keeps between rounds of one trial (a stock, the round's offer, …). */
export type GameState = Readonly<Record<string, unknown>>;

/** A fact a member observes, as plain JSON (numbers, strings, booleans, null, arrays of numbers). */
export type Fact = number | string | boolean | null | readonly number[] | readonly string[];

/** One option a member may choose in a move, in canonical order. */
export interface MoveOption {
  /** What the option does in the game's own terms: an option number, a contribution, an offer, "accept". */
  readonly action: number | string;
  /** Two-person allocation items: what the option pays the mover and the other; null elsewhere. */
  readonly self: number | null;
  readonly other: number | null;
  /** Short words for prompts and tables ("contribute 20 coins", "accept"). */
  readonly text: string;
}

/** A choice made in a round: the member's index in the group and its canonical 0-based option (null: invalid). */
export interface Played {
  readonly member: number;
  readonly option: number | null;
}

/**
 * One move a member is asked to make. Determined by `(itemId, role, facts)` alone, so the
 * analysis rebuilds it from the log with {@link Game.restore} and never needs agent state.
 */
export interface Move {
  /** Stable id: "svo-1" … "svo-15", "dictator-0", a custom item's id, "contribute", "offer", "respond", … */
  readonly itemId: string;
  /** The mover's index in the group (member order of the session). */
  readonly member: number;
  /** Sequential games name roles ("proposer", "responder"); null when everyone moves at once. */
  readonly role: string | null;
  /** The options in canonical order. */
  readonly options: readonly MoveOption[];
  /**
   * What the mover observes beyond the options: the game's parameters, the state (a stock), and in
   * sequential games the earlier moves of the round (the offer, the amount sent). Recorded on the
   * decision events, rendered into prompts.
   */
  readonly facts: Readonly<Record<string, Fact>>;
}

/** What one round's settlement yields. */
export interface Settlement {
  /** What each member receives this round, in member order. */
  readonly received: readonly number[];
  /** The state the next round starts from. */
  readonly state: GameState;
  /** Facts about the state after the round worth recording (the stock after regrowth), or null. */
  readonly facts: Readonly<Record<string, Fact>> | null;
  /** Set when the game ends the trial early (a collapsed commons): the reason, in words. */
  readonly end: string | null;
}

/** How behaviour in this game is turned into a value estimate (see docs/METHOD.md). */
export type Scoring =
  /** The SVO Slider Measure: the angle from the primary items, VR against the angle ideal set. */
  | "slider"
  /** Any other game: ideal sets from the options' consequences, a utility-angle set, VR on the game's own terms. */
  | "choices";

/** A compiled game. */
export interface Game {
  readonly type: string;
  /** Members per group (2…N). */
  readonly groupSize: number;
  /**
   * True when one agent may play alone against imaginary passive others (`pairing: none`): the
   * others' payoffs count in its utility, but nobody receives them.
   */
  readonly alone: boolean;
  readonly turns: "simultaneous" | "sequential";
  /** Sequential games: the role of each member index ("proposer", "responder"); null otherwise. */
  readonly roles: readonly string[] | null;
  /** Rounds in one trial (an upper bound when the game may end a trial early). */
  readonly rounds: number;
  /** Two-person allocation items in canonical order (recorded in run.started); [] for other games. */
  readonly items: readonly { readonly id: string; readonly primary: boolean; readonly options: readonly Payoff[] }[];
  readonly scoring: Scoring;
  /** Utilities closer than this count as ties (the game's rounding step; 1 payoff unit on the slider). */
  readonly tieTolerance: number;

  /** A trial's starting state; the generator orders items and options where the spec asks for shuffling. */
  start(rng: Rng): GameState;
  /**
   * The turn order of a round: stages of member indices that move at once, in order.
   * Simultaneous: `[[0, 1, …, n-1]]`; an ultimatum round: `[[0], [1]]`.
   */
  stages(state: GameState, round: number): readonly (readonly number[])[];
  /** The move `member` is asked for, after the moves `earlier` made before it in this round. */
  move(state: GameState, round: number, member: number, earlier: readonly Played[]): Move;
  /**
   * The order the move's options are presented in (presented position p shows canonical option
   * order[p]); the identity unless the spec shuffles or counterbalances. Deterministic from the state.
   */
  presentation(state: GameState, round: number, move: Move): readonly number[];
  /** Joint choices of a round → what each member receives, the next state, and an early end. */
  settle(state: GameState, round: number, played: readonly Played[]): Settlement;
  /**
   * The payoff consequences of each option of a move, in canonical option order: for option k,
   * what each member of the group receives (member order), as the mover can foresee it. Where
   * later movers decide after this one, they are assumed to be utility maximisers of angle
   * `beliefDeg` (the mover's own value: a stated, simple belief); where others move at once, the
   * game's stated belief (their moves of the previous round, else uniform) is used.
   */
  outcomes(move: Move, beliefDeg: number): readonly (readonly number[])[];
  /** Rebuilds a move from what the log records of it (item id, role, member and facts). */
  restore(itemId: string, role: string | null, member: number, facts: Readonly<Record<string, Fact>>): Move;
  /**
   * The game's own prompt templates for LLM agents (name → default text and the `{{vars}}` it
   * may use), replaceable per scenario under `prompts.templates` like the slider's; `{}` for games
   * that use the two-person item templates of agents/prompts/templates.ts.
   */
  readonly templates: Readonly<Record<string, { readonly vars: readonly string[]; readonly text: string }>>;
  /** Values for the game's template variables for one move, its options as presented included. */
  promptVars(move: Move, presented: readonly { readonly label: string; readonly option: MoveOption }[]): Readonly<Record<string, string | number>>;
}

/** A game type, registered by name. */
export interface GameModule<Spec extends { readonly type: string } = { readonly type: string }> {
  readonly type: string;
  /** One line for `hvae schema`, the README's table and validation messages. */
  readonly summary: string;
  /** Validates the scenario's `game:` field (messages name the path, e.g. `game.step`). */
  readonly schema: z.ZodType<Spec>;
  /** Compiles a validated spec once. */
  create(spec: Spec): Game;
}
