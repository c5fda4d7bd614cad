import { unwrap } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { envelope, type EnvelopeOptions } from '../input/envelope.js';
import { address, renderPlanBody, type PlanView } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface MutationArguments {
  stateType: string;
  stateId: string;
  transition: string;
}

/**
 * `countersign plan <stateType> <stateId> <transition>`: a dry run (records nothing) showing the
 * diff, the decision with each policy's outcome, the requirements and the plan hash to submit
 * with `--plan-hash`.
 */
export async function plan(target: MutationArguments, options: EnvelopeOptions, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(await context.client.POST('/v1/mutations', { body: { ...envelope(target.stateType, target.stateId, target.transition, options), dryRun: true } }));
  const view = answer as unknown as PlanView;
  const hint = view.planHash && view.decision.outcome !== 'deny' ? `\nApply exactly this plan: the same command as submit, with --plan-hash ${view.planHash}` : '';
  return {
    json: answer,
    text: `${context.style.bold(`Plan for ${address(view)} ${view.transition}`)} at version ${view.stateVersion ?? 0}\n${renderPlanBody(view, context.style)}${hint}`,
    exitCode: EXIT_CODES.success,
  };
}
